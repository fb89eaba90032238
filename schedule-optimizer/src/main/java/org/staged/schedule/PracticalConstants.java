package org.staged.schedule;

import java.util.Map;

/**
 * The practical schedule's constants (§5, Appendix D): slope thresholds τ (Eq. 8) and step ratios ρ
 * (Eq. 9, S_GROWTH-TARGET = ρ·S_PRE-GROWTH) per growth operator, and τ_opt for the last stage. The authors'
 * code stores 1/ρ (e.g. 1.412 ≈ 1/0.70 for depth); these are ρ itself.
 *
 * @param tauOpt    τ_opt: stop the last stage at OPTIMALITY
 * @param tauGrowth τ_G by operator name
 * @param rho       ρ by operator name
 */
public record PracticalConstants(double tauOpt, Map<String, Double> tauGrowth, Map<String, Double> rho) {

    /** Appendix D. */
    public static final PracticalConstants APPENDIX_D = new PracticalConstants(-0.052,
            Map.of("depth", -0.0575, "width", -0.0475, "depth,width", -0.03, "width,depth", -0.03),
            Map.of("depth", 0.70, "width", 0.55, "depth,width", 0.40, "width,depth", 0.40));

    /**
     * @param operator operator name, e.g. {@code depth} or {@code width,depth}
     * @return τ_G
     * @throws IllegalArgumentException naming the known operators
     */
    public double tauGrowth(String operator) {
        return lookup(tauGrowth, operator, "τ");
    }

    /**
     * @param operator operator name
     * @return ρ
     * @throws IllegalArgumentException naming the known operators
     */
    public double rho(String operator) {
        return lookup(rho, operator, "ρ");
    }

    private static double lookup(Map<String, Double> m, String op, String what) {
        Double v = m.get(op);
        if (v == null) {
            throw new IllegalArgumentException("no " + what + " for operator '" + op + "'; known: "
                    + new java.util.TreeSet<>(m.keySet()));
        }
        return v;
    }
}
