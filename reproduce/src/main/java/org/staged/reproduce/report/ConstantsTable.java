package org.staged.reproduce.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.staged.reproduce.pipeline.Results;
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.schedule.PracticalConstants;

/** Appendix D: the practical schedule's τ and ρ as this preset found them, beside the paper's. */
public final class ConstantsTable {
    private ConstantsTable() {
    }

    /**
     * @param blocks what the preset produced
     * @return a Markdown table per target and seed
     */
    public static String markdown(List<Results.Block> blocks) {
        PracticalConstants d = PracticalConstants.APPENDIX_D;
        StringBuilder sb = new StringBuilder();
        sb.append("| target | seed | growth | τ_G | ρ | τ_opt | paper τ_G | paper ρ | paper τ_opt | source |\n");
        sb.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Results.Block b : blocks) {
            for (Map.Entry<String, Results.Constants> e : b.constants().entrySet()) {
                Results.Constants c = e.getValue();
                sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %.4f | %.3f | %.4f | %.4f | %.2f | %.3f | %s |%n",
                        b.target().name(), b.seed(), c.kind() + ": " + e.getKey(), c.tauGrowth(), c.rho(), c.tauOpt(),
                        d.tauGrowth(c.kind()), d.rho(c.kind()), d.tauOpt(), c.source()));
            }
        }
        return sb.toString();
    }
}
