package org.staged.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.staged.api.AtomicFiles;
import org.staged.schedule.PracticalConstants;

/**
 * The practical schedule's constants as a JSON file ({@code schedule estimate --out} writes one):
 * {@code {"tau_opt": -0.052, "tau_growth": {"width": -0.0475}, "rho": {"width": 0.55}}}, keyed by operator
 * spec or by kind (width, depth, depth,width).
 */
public final class ConstantsFile {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConstantsFile() {
    }

    /**
     * @param spec {@code appendix-d}, or a constants file
     * @return the constants
     * @throws IllegalArgumentException naming the file and the key that is missing or not a number
     */
    public static PracticalConstants load(String spec) {
        if (spec.equals("appendix-d")) {
            return PracticalConstants.APPENDIX_D;
        }
        Path f = Path.of(spec);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("--constants " + spec + ": expected appendix-d or a constants file "
                    + "(schedule estimate --out writes one); no such file");
        }
        JsonNode n;
        try {
            n = JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(f + ": not JSON: " + e.getMessage(), e);
        }
        return new PracticalConstants(number(f, n, "tau_opt"), map(f, n, "tau_growth"), map(f, n, "rho"));
    }

    /**
     * Writes (or updates) one kind's constants in a file, keeping the other kinds it holds.
     *
     * @param f         the file
     * @param kind      the operator spec or kind
     * @param tauGrowth τ_G
     * @param rho       ρ
     * @param tauOpt    τ_opt
     */
    public static void put(Path f, String kind, double tauGrowth, double rho, double tauOpt) {
        try {
            ObjectNode n = Files.exists(f) ? (ObjectNode) JSON.readTree(f.toFile()) : JSON.createObjectNode();
            n.put("tau_opt", tauOpt);
            obj(n, "tau_growth").put(kind, tauGrowth);
            obj(n, "rho").put(kind, rho);
            AtomicFiles.writeString(f, JSON.writeValueAsString(n));
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException(f + ": cannot update the constants file: " + e.getMessage(), e);
        }
    }

    private static ObjectNode obj(ObjectNode n, String key) {
        return n.get(key) instanceof ObjectNode o ? o : n.putObject(key);
    }

    private static double number(Path f, JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(f + ": '" + key + "' must be a number, found " + v);
        }
        return v.asDouble();
    }

    private static Map<String, Double> map(Path f, JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isObject()) {
            throw new IllegalArgumentException(f + ": '" + key + "' must be an object of kind → number, found " + v);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()) {
                throw new IllegalArgumentException(f + ": '" + key + "." + e.getKey() + "' must be a number, found "
                        + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asDouble());
        }
        return out;
    }
}
