package org.staged.operators.kit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthClaims;
import org.staged.api.growth.GrowthException;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.GrowthOperators;
import org.staged.api.growth.GrowthSpec;
import org.staged.models.Adam;
import org.staged.models.AdamConfig;
import org.staged.models.Gpt;
import org.staged.models.GptInit;
import org.staged.models.PackedState;

/**
 * Measures what a growth operator claims, on a random small GPT with random, non-zero weights and Adam
 * moments, in double precision (and float32 for the loss):
 * <ol>
 *   <li>loss before and after growth (Eq. 1);</li>
 *   <li>Eq. 5 and 6: the grown model's gradients g' and g'² against the operator's moment growth applied to
 *       the original's gradients, Gm(g) and Gv(g²);</li>
 *   <li>the first Adam update after growth against Adam's formula on the grown post-step moments
 *       Gm(m₁), Gv(v₁), which also checks the step counter and learning rate carried over; and, for
 *       information, against the grown image of the original's update (growth and a step commute);</li>
 *   <li>the learning rate at the grown model's first step against its schedule continuation (Eq. 9);</li>
 *   <li>shapes against the grown config, and the input state left unchanged.</li>
 * </ol>
 * Gradient comparisons cover every entry, reported apart for <em>derived</em> entries and <em>new</em> ones
 * (whose parameter or moments the operator sets to a constant, such as the zero blocks of width growth and
 * the identity blocks of depth growth), per tensor group. A dynamics claim covers the entries its
 * {@link GrowthClaims#dynamicsEntries()} names, and fails when any of them is off.
 */
public final class ConformanceKit {
    /** Loss preservation tolerances, relative. */
    public static final double LOSS_TOL_DOUBLE = 1e-12;
    /** Loss preservation tolerance in float32, relative. */
    public static final double LOSS_TOL_FLOAT = 1e-6;
    /** Tolerance of the Eq. 5/6 and Adam-update comparisons (double). */
    public static final double DYNAMICS_TOL = 1e-9;
    /** Tensor groups the report is broken down by, in order. */
    public static final List<String> GROUPS = List.of("embeddings", "attention", "MLP", "LayerNorms", "head");
    /** Longest batch sequence the kit uses: enough for every position embedding of its own models. */
    public static final int MAX_SEQUENCE = 64;
    private static final AdamConfig ADAM = new AdamConfig(0.9, 0.98, 1e-12, true, 0.0, 0.0);

    /**
     * One measured check.
     *
     * @param name     what was measured
     * @param claim    the claim it tests ({@code loss-preserving}, {@code dynamics-preserving (all entries)}, ...),
     *                 or null when it is information or a contract every operator must meet
     * @param required whether the operator's claims (or the contract) require it
     * @param passed   whether the measurement is within tolerance
     * @param figure   the measurement
     */
    public record Check(String name, String claim, boolean required, boolean passed, String figure) {
    }

    /**
     * The largest Eq. 5, Eq. 6 and first-update errors of one tensor group, on derived and on new entries
     * (NaN where the group has no such entries).
     */
    public record Group(String group, long derived, long fresh, double eq5Derived, double eq5New,
                        double eq6Derived, double eq6New, double updateDerived, double updateNew) {
    }

    /** Everything measured for one operator. */
    public record Report(String operator, String description, ModelConfig original, ModelConfig grown,
                         double lossChange, List<Check> checks, List<Group> groups) {
        /** @return true when every check the operator's claims require passed */
        public boolean passed() {
            return checks.stream().allMatch(c -> !c.required() || c.passed());
        }

        /** @return the required checks that failed, each naming the claim it tests, with their figures */
        public List<String> failures() {
            return checks.stream().filter(c -> c.required() && !c.passed())
                    .map(c -> operator + (c.claim() == null ? "" : " claims " + c.claim() + ", but") + " "
                            + c.name() + " failed: " + c.figure()).toList();
        }
    }

    private ConformanceKit() {
    }

    /**
     * Runs every check on a random configuration the operator applies to.
     *
     * @param op       the operator
     * @param seed     seed of the configuration, weights and batches
     * @param tiedHead whether the LM head is tied to the token embedding
     * @return the report
     */
    public static Report run(GrowthOperator op, long seed, boolean tiedHead) {
        SplittableRandom rng = new SplittableRandom(seed);
        ModelConfig cfg = pickConfig(op, tiedHead);
        List<Check> checks = new ArrayList<>();
        if (cfg == null) {
            checks.add(new Check("applies", null, true, false, "applies to none of the kit's configurations: "
                    + op.whyNotApplicable(candidates(true).get(0)).orElse("?")));
            return new Report(op.name(), op.claims().description(), null, null, Double.NaN, checks, List.of());
        }
        return check(op, randomState(cfg, rng, DataType.DOUBLE), rng);
    }

    /**
     * Runs every check on a given model, e.g. a pretrained one (its tensors in double precision, batches of
     * random tokens at most {@value #MAX_SEQUENCE} long).
     *
     * @param op    the operator
     * @param state the model to grow, left unchanged
     * @param seed  seed of the batches
     * @return the report
     */
    public static Report run(GrowthOperator op, TrainingState state, long seed) {
        ModelConfig cfg = state.config();
        java.util.Optional<String> why = op.whyNotApplicable(cfg);
        if (why.isPresent()) {
            return new Report(op.name(), op.claims().description(), cfg, null, Double.NaN,
                    List.of(new Check("applies", null, true, false, "does not apply to this model: " + why.get())),
                    List.of());
        }
        SplittableRandom rng = new SplittableRandom(seed);
        TrainingState s = cast(state, DataType.DOUBLE);
        boolean noMoments = s.adamV().values().stream().allMatch(v -> v.amaxNumber().doubleValue() == 0);
        if (noMoments) {
            // with v = 0, Adam's first update divides gradients by their own size, and on entries whose gradient is
            // zero in exact arithmetic (the key bias) by rounding noise: give the operator moments to carry
            Map<String, INDArray> m = TrainingState.map(s.params(), a -> GptInit.gaussian(a.shape(), 1e-3, rng, DataType.DOUBLE));
            s = new TrainingState(cfg, s.params(), m, positiveMoments(s.params(), rng, DataType.DOUBLE), s.step(),
                    s.schedule(), s.scheduleStep());
        }
        Report r = check(op, s, rng);
        if (noMoments) {
            List<Check> checks = new ArrayList<>(r.checks());
            checks.add(0, new Check("Adam moments (information)", null, false, true, "the model has none: random m "
                    + "and v were given to it"));
            r = new Report(r.operator(), r.description(), r.original(), r.grown(), r.lossChange(), checks, r.groups());
        }
        return r;
    }

    private static Report check(GrowthOperator op, TrainingState small, SplittableRandom rng) {
        ModelConfig cfg = small.config();
        List<Check> checks = new ArrayList<>();
        GrowthClaims claims = op.claims();
        boolean lp = claims.lossPreserving();
        boolean dp = claims.dynamicsPreserving();
        boolean dpNew = dp && claims.dynamicsEntries() == GrowthClaims.Entries.ALL;
        String lossClaim = "loss-preserving";
        String dynClaim = "dynamics-preserving (" + claims.dynamicsInWords() + ")";
        int t = Math.min(cfg.contextLength(), MAX_SEQUENCE);
        INDArray idx = tokens(rng, 2, t, cfg.vocabSize());
        INDArray tgt = tokens(rng, 2, t, cfg.vocabSize());

        TrainingState before = small.deepCopy();
        TrainingState grown;
        try {
            grown = GrowthOperators.applyChecked(op, small);
        } catch (GrowthException e) {
            checks.add(new Check("runs", null, true, false, e.getMessage()));
            return new Report(op.name(), claims.description(), cfg, null, Double.NaN, checks, List.of());
        }
        checks.add(new Check("shapes match the grown config", null, true, true, String.format(Locale.ROOT,
                "d %d→%d, heads %d→%d, layers %d→%d, params %d→%d", cfg.dModel(), grown.config().dModel(),
                cfg.nHead(), grown.config().nHead(), cfg.nLayer(), grown.config().nLayer(), cfg.totalParams(),
                grown.config().totalParams())));
        String changed = firstDifference(before, small);
        checks.add(new Check("input state unchanged", null, true, changed == null,
                changed == null ? "identical" : "modified: " + changed));

        // 1. loss preservation, double and float32
        double l0 = new Gpt(cfg, small.params()).loss(idx, tgt);
        double l1 = new Gpt(grown.config(), grown.params()).loss(idx, tgt);
        double rel = Math.abs(l1 - l0) / Math.abs(l0);
        checks.add(new Check("loss preserved (double)", lossClaim, lp, rel <= LOSS_TOL_DOUBLE,
                String.format(Locale.ROOT, "%.6f → %.6f, |Δ|/L = %.2e", l0, l1, rel)));
        TrainingState small32 = cast(small, DataType.FLOAT);
        TrainingState grown32 = op.apply(small32);
        double f0 = new Gpt(cfg, small32.params()).loss(idx, tgt);
        double f1 = new Gpt(grown32.config(), grown32.params()).loss(idx, tgt);
        double relF = Math.abs(f1 - f0) / Math.abs(f0);
        checks.add(new Check("loss preserved (float32)", lossClaim, lp, relF <= LOSS_TOL_FLOAT,
                String.format(Locale.ROOT, "|Δ|/L = %.2e", relF)));

        // 2. Eq. 5 and 6 on derived and on new entries
        Map<String, INDArray> derived = derivedEntries(op, cfg);
        Map<String, INDArray> fresh = TrainingState.map(derived, mk -> mk.rsub(1.0));
        Map<String, INDArray> g = gradients(small, idx, tgt);
        Map<String, INDArray> gGrown = gradients(grown, idx, tgt);
        TrainingState gradState = new TrainingState(cfg, small.params(), g, TrainingState.map(g, a -> a.mul(a)),
                small.step(), small.schedule(), small.scheduleStep());
        TrainingState grownGrad = op.apply(gradState);
        Map<String, INDArray> g2Grown = TrainingState.map(gGrown, a -> a.mul(a));

        // 3. the first Adam update after growth
        PackedState ps = PackedState.of(small);
        step(ps, idx, tgt);
        PackedState pg = PackedState.of(grown);
        step(pg, idx, tgt);
        TrainingState movedMoments = new TrainingState(cfg, small.params(), ps.state().adamM(), ps.state().adamV(),
                small.step(), small.schedule(), small.scheduleStep());
        TrainingState gm = op.apply(movedMoments);
        long tg = grown.step() + 1;
        double c = Math.sqrt(1 - Math.pow(ADAM.beta2(), tg)) / (1 - Math.pow(ADAM.beta1(), tg));
        double lr = grown.lr();
        Map<String, INDArray> actual = difference(pg.state().params(), grown.params());
        Map<String, INDArray> expected = new LinkedHashMap<>();
        gm.adamM().forEach((k, mk) -> expected.put(k,
                mk.div(Transforms.sqrt(gm.adamV().get(k), true).addi(ADAM.eps())).muli(-lr * c)));

        String[] compared = {"Eq. 5: g(G(φ)) = Gm(g(φ))", "Eq. 6: g²(G(φ)) = Gv(g²(φ))",
            "first Adam update = Adam(Gm(m₁), Gv(v₁))"};
        List<Map<String, INDArray>> actuals = List.of(gGrown, g2Grown, actual);
        List<Map<String, INDArray>> expecteds = List.of(grownGrad.adamM(), grownGrad.adamV(), expected);
        double[][] perGroup = new double[GROUPS.size()][6];
        long newEntries = count(fresh);
        for (int q = 0; q < 3; q++) {
            Worst onDerived = worst(actuals.get(q), expecteds.get(q), derived, null);
            Worst onNew = worst(actuals.get(q), expecteds.get(q), fresh, null);
            for (int gi = 0; gi < GROUPS.size(); gi++) {
                String group = GROUPS.get(gi);
                perGroup[gi][2 * q] = worst(actuals.get(q), expecteds.get(q), derived, group).error;
                perGroup[gi][2 * q + 1] = worst(actuals.get(q), expecteds.get(q), fresh, group).error;
            }
            checks.add(new Check(compared[q] + " on derived entries", dynClaim, dp,
                    onDerived.error <= DYNAMICS_TOL, onDerived.toString()));
            checks.add(new Check(compared[q] + " on new entries", dynClaim, dpNew,
                    onNew.error <= DYNAMICS_TOL, newEntries + " new entries: " + onNew));
        }
        List<Group> groups = new ArrayList<>();
        for (int gi = 0; gi < GROUPS.size(); gi++) {
            double[] e = perGroup[gi];
            groups.add(new Group(GROUPS.get(gi), count(derived, GROUPS.get(gi)), count(fresh, GROUPS.get(gi)),
                    e[0], e[1], e[2], e[3], e[4], e[5]));
        }
        TrainingState grownAfterSmallStep = op.apply(ps.state());
        Worst commute = worst(actual, difference(grownAfterSmallStep.params(), grown.params()), derived, null);
        checks.add(new Check("step then grow = grow then step, derived entries (information)", null, false,
                commute.error <= 1e-6, commute.toString()));

        // 4. learning-rate continuity (Eq. 9)
        LrSchedule target = LrSchedule.cosine(2e-3, 10, 2000);
        GrowthSpec spec = GrowthSpec.of(target, 0.55);
        TrainingState placed = op.grow(small, spec);
        double want = switch (claims.schedule()) {
            case GROWTH_TARGET -> target.lr(Math.round(0.55 * small.scheduleStep()));
            case RESTART -> target.lr(0);
            case KEEP -> small.lr();
        };
        checks.add(new Check("LR continues at " + claims.schedule(), "LR continues at " + claims.schedule(), true,
                placed.lr() == want, String.format(Locale.ROOT, "λ = %.6e at step %d, expected %.6e", placed.lr(),
                placed.scheduleStep(), want)));
        return new Report(op.name(), claims.description(), cfg, grown.config(), (l1 - l0) / Math.abs(l0), checks,
                groups);
    }

    /** @return the tensor group of a parameter name: one of {@link #GROUPS} */
    public static String groupOf(String name) {
        if (name.startsWith("wte.") || name.startsWith("wpe.")) {
            return "embeddings";
        }
        if (name.startsWith("lm_head.")) {
            return "head";
        }
        if (name.contains(".attn.")) {
            return "attention";
        }
        if (name.contains(".mlp.")) {
            return "MLP";
        }
        return "LayerNorms";
    }

    /** The largest scaled error over tensors, and where. */
    private record Worst(String param, double error) {
        @Override
        public String toString() {
            return param == null ? "nothing to compare" : String.format(Locale.ROOT, "max error %.2e (%s)", error, param);
        }
    }

    /**
     * max |a − e| / max(|e|∞, |a|∞, floor) per tensor over masked entries (of one group, or all when
     * {@code group} is null), floor = 1e-6 × the largest value anywhere (so exact zeros such as the key-bias
     * gradient compare by absolute size); NaN when no entry is masked.
     */
    private static Worst worst(Map<String, INDArray> actual, Map<String, INDArray> expected,
                               Map<String, INDArray> mask, String group) {
        double scale = 0;
        for (INDArray a : actual.values()) {
            scale = Math.max(scale, a.amaxNumber().doubleValue());
        }
        String where = null;
        double max = -1;
        for (Map.Entry<String, INDArray> e : actual.entrySet()) {
            INDArray mk = mask.get(e.getKey());
            if ((group != null && !groupOf(e.getKey()).equals(group)) || mk.sumNumber().doubleValue() == 0) {
                continue;
            }
            INDArray a = e.getValue().mul(mk);
            INDArray x = expected.get(e.getKey()).mul(mk);
            double denom = Math.max(Math.max(a.amaxNumber().doubleValue(), x.amaxNumber().doubleValue()), 1e-6 * scale);
            double err = a.sub(x).amaxNumber().doubleValue() / Math.max(denom, Double.MIN_NORMAL);
            if (err > max) {
                max = err;
                where = e.getKey();
            }
        }
        return new Worst(where, where == null ? Double.NaN : max);
    }

    private static long count(Map<String, INDArray> mask) {
        return mask.values().stream().mapToLong(mk -> mk.sumNumber().longValue()).sum();
    }

    private static long count(Map<String, INDArray> mask, String group) {
        return mask.entrySet().stream().filter(e -> groupOf(e.getKey()).equals(group))
                .mapToLong(e -> e.getValue().sumNumber().longValue()).sum();
    }

    /**
     * 1 where a grown entry is derived from the original state (its parameter depends on the original
     * parameters and its first moment on the original moments), 0 where the operator sets either to a
     * constant: the new entries.
     */
    private static Map<String, INDArray> derivedEntries(GrowthOperator op, ModelConfig cfg) {
        TrainingState a = op.apply(constantState(cfg, 1));
        TrainingState b = op.apply(constantState(cfg, 2));
        Map<String, INDArray> mask = new LinkedHashMap<>();
        a.params().forEach((k, x) -> {
            INDArray theta = Transforms.abs(x.sub(b.params().get(k))).gt(0);
            INDArray m = Transforms.abs(a.adamM().get(k).sub(b.adamM().get(k))).gt(0);
            mask.put(k, theta.castTo(DataType.DOUBLE).muli(m.castTo(DataType.DOUBLE)));
        });
        return mask;
    }

    private static TrainingState constantState(ModelConfig cfg, double value) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        cfg.parameterShapes().forEach((k, sh) -> p.put(k, Nd4j.valueArrayOf(sh, value, DataType.DOUBLE)));
        return new TrainingState(cfg, p, TrainingState.map(p, INDArray::dup), TrainingState.map(p, x -> x.mul(x)), 1,
                LrSchedule.cosine(1e-3, 1, 10), 1);
    }

    private static Map<String, INDArray> gradients(TrainingState s, INDArray idx, INDArray tgt) {
        Map<String, INDArray> g = TrainingState.zerosLike(s.params());
        new Gpt(s.config(), s.params()).lossAndGradients(idx, tgt, g);
        return g;
    }

    private static void step(PackedState p, INDArray idx, INDArray tgt) {
        p.zeroGrads();
        new Gpt(p.state().config(), p.state().params()).lossAndGradients(idx, tgt, p.grads());
        Adam.step(p, ADAM);
    }

    private static Map<String, INDArray> difference(Map<String, INDArray> a, Map<String, INDArray> b) {
        Map<String, INDArray> d = new LinkedHashMap<>();
        a.forEach((k, x) -> d.put(k, x.sub(b.get(k))));
        return d;
    }

    private static String firstDifference(TrainingState a, TrainingState b) {
        if (a.step() != b.step() || a.scheduleStep() != b.scheduleStep()) {
            return "step counters";
        }
        for (String k : a.params().keySet()) {
            if (!a.params().get(k).equals(b.params().get(k)) || !a.adamM().get(k).equals(b.adamM().get(k))
                    || !a.adamV().get(k).equals(b.adamV().get(k))) {
                return k;
            }
        }
        return null;
    }

    private static TrainingState cast(TrainingState s, DataType dt) {
        return new TrainingState(s.config(), TrainingState.map(s.params(), a -> a.castTo(dt)),
                TrainingState.map(s.adamM(), a -> a.castTo(dt)), TrainingState.map(s.adamV(), a -> a.castTo(dt)),
                s.step(), s.schedule(), s.scheduleStep());
    }

    /** GPT-2 init plus noise everywhere (LayerNorms and biases too), random m and positive v, mid-training. */
    static TrainingState randomState(ModelConfig cfg, SplittableRandom rng, DataType dt) {
        Map<String, INDArray> p = GptInit.init(cfg, rng.nextLong(), dt);
        p.replaceAll((k, a) -> a.addi(GptInit.gaussian(a.shape(), 0.3, rng, dt)));
        Map<String, INDArray> m = TrainingState.map(p, a -> GptInit.gaussian(a.shape(), 1e-3, rng, dt));
        return new TrainingState(cfg, p, m, positiveMoments(p, rng, dt), 37, LrSchedule.cosine(1e-3, 10, 1000), 50);
    }

    /** Second moments: squares of small Gaussians plus a floor, so no entry divides by noise. */
    private static Map<String, INDArray> positiveMoments(Map<String, INDArray> p, SplittableRandom rng, DataType dt) {
        return TrainingState.map(p, a -> {
            INDArray r = GptInit.gaussian(a.shape(), 1e-3, rng, dt);
            return r.muli(r).addi(1e-7);
        });
    }

    private static List<ModelConfig> candidates(boolean tied) {
        return List.of(new ModelConfig(19, 8, 8, 2, 2, 32, tied, 1e-5),
                new ModelConfig(19, 8, 16, 3, 4, 64, tied, 1e-5));
    }

    private static ModelConfig pickConfig(GrowthOperator op, boolean tiedHead) {
        for (ModelConfig c : candidates(tiedHead)) {
            if (op.whyNotApplicable(c).isEmpty()) {
                return c;
            }
        }
        return null;
    }

    private static INDArray tokens(SplittableRandom rng, int b, int t, int vocab) {
        int[][] x = new int[b][t];
        for (int[] row : x) {
            for (int j = 0; j < t; j++) {
                row[j] = rng.nextInt(vocab);
            }
        }
        return Nd4j.createFromArray(x);
    }
}
