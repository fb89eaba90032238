package org.staged.api.growth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;

/**
 * The registry of growth operators found on the classpath. Providers are loaded one at a time, so a broken
 * jar is reported by name and the others still load; duplicate names and other API versions are refused;
 * operators are selected by explicit name, never "first found".
 */
public final class GrowthOperators {
    private final Map<String, GrowthOperator> byName;
    private final List<String> problems;

    private GrowthOperators(Map<String, GrowthOperator> byName, List<String> problems) {
        this.byName = Collections.unmodifiableMap(byName);
        this.problems = List.copyOf(problems);
    }

    /** @return the operators visible to this class's class loader */
    public static GrowthOperators discover() {
        return discover(GrowthOperators.class.getClassLoader());
    }

    /**
     * @param loader where to look for {@code META-INF/services/org.staged.api.growth.GrowthOperator}
     * @return the operators found, and a description of every provider that could not be used
     */
    public static GrowthOperators discover(ClassLoader loader) {
        Map<String, GrowthOperator> found = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        Iterator<GrowthOperator> it = ServiceLoader.load(GrowthOperator.class, loader).iterator();
        while (true) {
            GrowthOperator op;
            try {
                if (!it.hasNext()) {
                    break;
                }
                op = it.next();
            } catch (ServiceConfigurationError e) {
                problems.add("cannot load a growth operator: " + e.getMessage());
                continue;
            }
            String cls = op.getClass().getName();
            try {
                if (op.apiVersion() != GrowthOperator.API_VERSION) {
                    problems.add(cls + " was built for growth API " + op.apiVersion() + ", this is "
                            + GrowthOperator.API_VERSION);
                    continue;
                }
                String name = op.name();
                GrowthOperator other = found.putIfAbsent(name, op);
                if (other != null) {
                    problems.add("two operators are named '" + name + "': " + other.getClass().getName() + " and "
                            + cls + "; the second is ignored");
                }
            } catch (RuntimeException e) {
                problems.add(cls + " failed while describing itself: " + e);
            }
        }
        return new GrowthOperators(found, problems);
    }

    /** @return operators by name, in discovery order */
    public Map<String, GrowthOperator> all() {
        return byName;
    }

    /** @return providers that could not be used, one sentence each */
    public List<String> problems() {
        return problems;
    }

    /**
     * @param spec an operator name, optionally with options: {@code width(moments=matched, noise=0.01)}
     * @return the operator, configured
     * @throws IllegalArgumentException listing the known names when the name is unknown, or naming a bad option
     */
    public GrowthOperator get(String spec) {
        String s = spec.trim();
        int open = s.indexOf('(');
        String name = open < 0 ? s : s.substring(0, open).trim();
        GrowthOperator op = byName.get(name);
        if (op == null) {
            throw new IllegalArgumentException("unknown growth operator '" + name + "'; known: "
                    + String.join(", ", byName.keySet()));
        }
        if (open < 0) {
            return op;
        }
        if (!s.endsWith(")")) {
            throw new IllegalArgumentException("growth operator '" + s + "': options go in parentheses, "
                    + "e.g. width(moments=matched)");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String kv : s.substring(open + 1, s.length() - 1).split(",")) {
            if (kv.isBlank()) {
                continue;
            }
            int eq = kv.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("growth operator '" + s + "': option '" + kv.trim()
                        + "' is not key=value");
            }
            String key = kv.substring(0, eq).trim();
            if (options.put(key, kv.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("growth operator '" + s + "': option '" + key + "' given twice");
            }
        }
        return op.withOptions(options);
    }

    /**
     * Parses one stage: an operator, or operators joined by commas applied left to right ({@code width,width};
     * commas inside an operator's parentheses separate its options).
     *
     * @param spec the stage
     * @return the operator
     */
    public GrowthOperator stage(String spec) {
        List<String> names = splitOutsideParentheses(spec, ',');
        if (names.size() == 1) {
            return get(names.get(0));
        }
        List<GrowthOperator> parts = new ArrayList<>();
        for (String n : names) {
            parts.add(get(n));
        }
        return new Composite(parts);
    }

    /**
     * @param spec text such as {@code width(moments=matched, noise=0.01),depth}
     * @param sep  the separator
     * @return the parts between separators that are not inside parentheses
     * @throws IllegalArgumentException when the parentheses do not balance
     */
    public static List<String> splitOutsideParentheses(String spec, char sep) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int from = 0;
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth < 0) {
                break;
            } else if (c == sep && depth == 0) {
                out.add(spec.substring(from, i));
                from = i + 1;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("'" + spec + "': unbalanced parentheses");
        }
        out.add(spec.substring(from));
        return out;
    }

    /**
     * Parses a multi-stage plan: stages separated by semicolons, e.g. {@code width;width} (two stages).
     *
     * @param spec the plan
     * @return one operator per stage
     */
    public List<GrowthOperator> stages(String spec) {
        List<GrowthOperator> out = new ArrayList<>();
        for (String s : splitOutsideParentheses(spec, ';')) {
            out.add(stage(s));
        }
        return out;
    }

    /**
     * Runs {@code op.apply} and checks its contract, so a faulty plugin is reported by name rather than as a
     * failure deep inside training.
     *
     * @param op    the operator
     * @param state the state to grow
     * @return the grown state
     * @throws GrowthException naming the operator when it fails or returns a state of the wrong shape
     */
    public static TrainingState applyChecked(GrowthOperator op, TrainingState state) {
        String who = "growth operator '" + safeName(op) + "' (" + op.getClass().getName() + ")";
        ModelConfig expected;
        try {
            expected = op.grownConfig(state.config());
        } catch (IllegalArgumentException e) {
            throw new GrowthException(who + " does not apply: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new GrowthException(who + " failed computing its grown config: " + e, e);
        }
        TrainingState grown;
        try {
            grown = op.apply(state);
        } catch (RuntimeException e) {
            throw new GrowthException(who + " failed: " + e, e);
        }
        if (grown == null || grown == state) {
            throw new GrowthException(who + " returned " + (grown == null ? "null" : "its input")
                    + " instead of a new state", null);
        }
        if (!grown.config().equals(expected)) {
            throw new GrowthException(who + " returned a state for " + grown.config() + ", expected " + expected,
                    null);
        }
        return grown;
    }

    /**
     * {@link #applyChecked} followed by {@link GrowthSpec#place}: what the harness and the CLI use.
     *
     * @param op    the operator
     * @param state the state to grow
     * @param spec  where the schedule continues
     * @return the grown state, ready to train
     */
    public static TrainingState growChecked(GrowthOperator op, TrainingState state, GrowthSpec spec) {
        return spec.place(state, applyChecked(op, state), op.claims().schedule());
    }

    private static String safeName(GrowthOperator op) {
        try {
            return op.name();
        } catch (RuntimeException e) {
            return "?";
        }
    }
}
