package org.staged.api;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The whole training state T = {θ, (m, v), λ(t)} of paper §2.1: parameters, Adam moments, the optimizer step
 * and the position on a learning-rate schedule. It is what a growth operator receives and returns.
 *
 * <p>Two counters are kept apart on purpose: {@link #step()} counts the Adam updates this state has seen
 * (it drives bias correction and is kept by growth), while {@link #scheduleStep()} is the position on
 * {@link #schedule()}, which growth moves to GROWTH-TARGET = ρ·S_PRE-GROWTH on the target's schedule.
 *
 * <p>Parameter arrays are mutable buffers updated in place by the optimizer; the maps themselves are fixed.
 */
public final class TrainingState {
    private final ModelConfig config;
    private final Map<String, INDArray> params;   // name → θ, in ModelConfig.parameterShapes() order
    private final Map<String, INDArray> adamM;    // name → first moment m, same shape as θ
    private final Map<String, INDArray> adamV;    // name → second moment v, same shape as θ
    private final LrSchedule schedule;
    private long step;
    private long scheduleStep;

    /**
     * Builds a state and checks that names and shapes match {@code config}.
     *
     * @param config       model shape
     * @param params       parameters by name
     * @param adamM        Adam first moments by name
     * @param adamV        Adam second moments by name
     * @param step         Adam updates taken so far
     * @param schedule     learning-rate schedule
     * @param scheduleStep position on {@code schedule}
     * @throws IllegalArgumentException naming the first missing, extra or mis-shaped tensor
     */
    public TrainingState(ModelConfig config, Map<String, INDArray> params, Map<String, INDArray> adamM,
                         Map<String, INDArray> adamV, long step, LrSchedule schedule, long scheduleStep) {
        this.config = config;
        this.params = Collections.unmodifiableMap(checked("parameter", config, params));
        this.adamM = Collections.unmodifiableMap(checked("adam m", config, adamM));
        this.adamV = Collections.unmodifiableMap(checked("adam v", config, adamV));
        if (step < 0 || scheduleStep < 0) {
            throw new IllegalArgumentException("TrainingState: step and scheduleStep must be >= 0, found "
                    + step + " and " + scheduleStep);
        }
        this.schedule = schedule;
        this.step = step;
        this.scheduleStep = scheduleStep;
    }

    /**
     * A state at step 0 with the given parameters and zero Adam moments.
     *
     * @param config   model shape
     * @param params   initial parameters by name
     * @param schedule learning-rate schedule
     * @return the fresh state
     */
    public static TrainingState fresh(ModelConfig config, Map<String, INDArray> params, LrSchedule schedule) {
        return new TrainingState(config, params, zerosLike(params), zerosLike(params), 0, schedule, 0);
    }

    /** @return the model shape */
    public ModelConfig config() {
        return config;
    }

    /** @return parameters θ by name, in a stable order */
    public Map<String, INDArray> params() {
        return params;
    }

    /** @return Adam first moments by name */
    public Map<String, INDArray> adamM() {
        return adamM;
    }

    /** @return Adam second moments by name */
    public Map<String, INDArray> adamV() {
        return adamV;
    }

    /** @return the learning-rate schedule */
    public LrSchedule schedule() {
        return schedule;
    }

    /** @return Adam updates taken so far */
    public long step() {
        return step;
    }

    /** @return the position on {@link #schedule()} */
    public long scheduleStep() {
        return scheduleStep;
    }

    /** @return λ at the current schedule position */
    public double lr() {
        return schedule.lr(scheduleStep);
    }

    /** @return the floating-point type of the parameters */
    public DataType dataType() {
        return params.values().iterator().next().dataType();
    }

    /** Records one optimizer update: both counters move by one. */
    public void advance() {
        step++;
        scheduleStep++;
    }

    /**
     * A new state with the same tensors but another schedule and position (e.g. GROWTH-TARGET).
     *
     * @param newSchedule     schedule to continue on
     * @param newScheduleStep position on it
     * @return the new state, sharing tensors with this one
     */
    public TrainingState withSchedule(LrSchedule newSchedule, long newScheduleStep) {
        return new TrainingState(config, params, adamM, adamV, step, newSchedule, newScheduleStep);
    }

    /** @return an independent copy: every tensor duplicated */
    public TrainingState deepCopy() {
        return new TrainingState(config, map(params, INDArray::dup), map(adamM, INDArray::dup),
                map(adamV, INDArray::dup), step, schedule, scheduleStep);
    }

    /**
     * Applies {@code f} to every tensor of a map, keeping the order.
     *
     * @param in tensors by name
     * @param f  transformation
     * @return a new ordered map
     */
    public static Map<String, INDArray> map(Map<String, INDArray> in, UnaryOperator<INDArray> f) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        in.forEach((k, a) -> out.put(k, f.apply(a)));
        return out;
    }

    /** @return zeros with the shapes and type of {@code in}, in its order */
    public static Map<String, INDArray> zerosLike(Map<String, INDArray> in) {
        return map(in, a -> Nd4j.zeros(a.dataType(), a.shape()));
    }

    private static Map<String, INDArray> checked(String what, ModelConfig config, Map<String, INDArray> tensors) {
        Map<String, long[]> shapes = config.parameterShapes();
        for (String name : tensors.keySet()) {
            if (!shapes.containsKey(name)) {
                throw new IllegalArgumentException("TrainingState: unexpected " + what + " tensor " + name
                        + " for config " + config);
            }
        }
        Map<String, INDArray> ordered = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            INDArray a = tensors.get(e.getKey());
            if (a == null) {
                throw new IllegalArgumentException("TrainingState: missing " + what + " tensor " + e.getKey());
            }
            if (!Arrays.equals(a.shape(), e.getValue())) {
                throw new IllegalArgumentException("TrainingState: " + what + " tensor " + e.getKey() + " has shape "
                        + Arrays.toString(a.shape()) + ", expected " + Arrays.toString(e.getValue()));
            }
            ordered.put(e.getKey(), a);
        }
        return ordered;
    }
}
