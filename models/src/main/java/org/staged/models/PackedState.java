package org.staged.models;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.staged.api.TrainingState;

/**
 * A {@link TrainingState} whose θ, m and v are views of three contiguous buffers, with a gradient buffer laid
 * out the same way. The optimizer then updates the whole model in a handful of ND4J ops instead of a few per
 * tensor, which matters for small models where per-op overhead dominates.
 */
public final class PackedState {
    private final TrainingState state;          // tensors are views of the buffers below
    private final Map<String, INDArray> grads;  // views of grad
    final INDArray theta;                       // [P] all parameters
    final INDArray m;                           // [P] Adam first moments
    final INDArray v;                           // [P] Adam second moments
    final INDArray grad;                        // [P] gradients
    final INDArray decay;                       // [P] 1 where weight decay applies (matrices), else 0

    private PackedState(TrainingState s) {
        long total = s.params().values().stream().mapToLong(INDArray::length).sum();
        DataType dt = s.dataType();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            theta = Nd4j.create(dt, total);
            m = Nd4j.create(dt, total);
            v = Nd4j.create(dt, total);
            grad = Nd4j.create(dt, total);
            decay = Nd4j.create(dt, total);
            Map<String, INDArray> p = new LinkedHashMap<>();
            Map<String, INDArray> mm = new LinkedHashMap<>();
            Map<String, INDArray> vv = new LinkedHashMap<>();
            grads = new LinkedHashMap<>();
            long off = 0;
            for (Map.Entry<String, INDArray> e : s.params().entrySet()) {
                String name = e.getKey();
                INDArray src = e.getValue();
                p.put(name, slot(theta, off, src).assign(src));
                mm.put(name, slot(m, off, src).assign(s.adamM().get(name)));
                vv.put(name, slot(v, off, src).assign(s.adamV().get(name)));
                grads.put(name, slot(grad, off, src));
                slot(decay, off, src).assign(src.rank() >= 2 ? 1 : 0);
                off += src.length();
            }
            state = new TrainingState(s.config(), p, mm, vv, s.step(), s.schedule(), s.scheduleStep());
        }
    }

    /**
     * Copies a state into contiguous buffers.
     *
     * @param s any training state (e.g. just grown, or loaded from a checkpoint)
     * @return the packed copy; {@code s} is left untouched
     */
    public static PackedState of(TrainingState s) {
        return new PackedState(s);
    }

    /** @return the state, whose tensors are views of the packed buffers */
    public TrainingState state() {
        return state;
    }

    /** @return gradient tensors by parameter name, views of one buffer */
    public Map<String, INDArray> grads() {
        return grads;
    }

    /** Sets every gradient to zero (one op). */
    public void zeroGrads() {
        grad.assign(0);
    }

    /** Multiplies every gradient by {@code factor} (one op): the mean over a step's micro-batches. */
    public void scaleGrads(double factor) {
        grad.muli(factor);
    }

    /** @return whether every gradient entry is finite (one reduction) */
    public boolean gradsFinite() {
        return BooleanIndexing.and(grad, Conditions.isFinite());
    }

    private static INDArray slot(INDArray flat, long off, INDArray like) {
        return flat.get(NDArrayIndex.interval(off, off + like.length())).reshape(like.shape());
    }
}
