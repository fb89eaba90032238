package org.staged.models.train;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.api.ModelConfig;

/**
 * How many sequences one forward/backward pass may hold: an estimate of the memory a training step needs
 * (the packed state, plus the saved activations and dropout masks of each sequence, counted from the buffers
 * {@code Activations} and {@code Dropout} allocate, and the temporaries of a pass), and the largest micro-batch that divides the
 * batch and fits a memory budget.
 *
 * @param microBatch     sequences per forward/backward pass, a divisor of the batch
 * @param batch          sequences per optimizer step
 * @param stateBytes     parameters, gradients, Adam moments and the weight-decay mask
 * @param perSequence    activation memory of one sequence
 * @param budgetBytes    the budget the choice was made for (0 when the micro-batch was given)
 * @param budgetSource   where the budget came from
 */
public record MicroBatch(int microBatch, int batch, long stateBytes, long perSequence, long budgetBytes,
                         String budgetSource) {

    /**
     * Bytes of activations one sequence needs in a training pass: every buffer the forward pass saves for the
     * backward pass, the backward scratch, the dropout masks, and the temporaries of a pass.
     *
     * @param c            model shape (its context length is the sequence length)
     * @param bytesPerFloat 4 for float32
     * @param dropout      dropout on embeddings and residual branches
     * @param attnDropout  dropout on attention probabilities
     * @return estimated bytes per sequence
     */
    public static long activationBytesPerSequence(ModelConfig c, int bytesPerFloat, double dropout,
                                                  double attnDropout) {
        long t = c.contextLength();
        long d = c.dModel();
        long f = c.dFf();
        long l = c.nLayer();
        long att = (long) c.nHead() * t;   // one row of attention probabilities per head, per token
        long perLayer = 2 * (2 * d + 1) + 4 * d + att + d + 3 * f;          // ln1, ln2, q k v y, P, x', h σ a
        long global = (l + 1) * d + (2 * d + 1) + c.vocabSize() + 3          // residual stream, ln_f, logits
                + 2 * d + f + 4 * d + att;                                   // backward scratch: dx dln dh dq… dP
        long masks = dropout > 0 || attnDropout > 0 ? (2 * l + 2) * d + (attnDropout > 0 ? 2 * l * att : 0) : 0;
        // Temporaries (GELU's, LayerNorm's, the softmax backward's, the loss head's): the workspace spills them
        // on the first pass and off-heap memory returns only at a collection, so they scale with the depth.
        // Coefficients fitted to measured peak RSS over seven shapes (V, T, d, L, H, dropout), all within 15%.
        long temporaries = c.vocabSize() / 2 + l * (5 * att / 4 + 15 * f / 4);
        return t * (perLayer * l + global + masks + temporaries) * bytesPerFloat;
    }

    /**
     * @param c             model shape
     * @param bytesPerFloat 4 for float32
     * @return bytes of the packed training state: θ, gradients, m, v and the weight-decay mask
     */
    public static long stateBytes(ModelConfig c, int bytesPerFloat) {
        return 5 * c.totalParams() * bytesPerFloat;
    }

    /**
     * The micro-batch given on the command line or in a preset, checked against the batch.
     *
     * @param given       sequences per pass
     * @param batch       sequences per step
     * @param c           model shape
     * @param dropout     embedding and residual dropout
     * @param attnDropout attention dropout
     * @return the choice, with the memory it needs
     */
    public static MicroBatch given(int given, int batch, ModelConfig c, double dropout, double attnDropout) {
        checkDivides(given, batch);
        return new MicroBatch(given, batch, stateBytes(c, 4), activationBytesPerSequence(c, 4, dropout, attnDropout),
                0, "given");
    }

    /**
     * The largest micro-batch dividing {@code batch} whose step fits {@code budgetBytes}.
     *
     * @param batch        sequences per step
     * @param c            model shape
     * @param dropout      embedding and residual dropout
     * @param attnDropout  attention dropout
     * @param budgetBytes  memory for the state and one pass
     * @param budgetSource where the budget came from, for the message
     * @return the choice
     * @throws IllegalArgumentException when not even one sequence fits
     */
    public static MicroBatch choose(int batch, ModelConfig c, double dropout, double attnDropout, long budgetBytes,
                                    String budgetSource) {
        long state = stateBytes(c, 4);
        long perSeq = activationBytesPerSequence(c, 4, dropout, attnDropout);
        long fits = (budgetBytes - state) / perSeq;
        if (fits < 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--memory-gb: %s of memory (%s) cannot hold "
                            + "the state (%s) and one sequence's activations (%s); use a smaller model or context",
                    gb(budgetBytes), budgetSource, gb(state), gb(perSeq)));
        }
        int micro = largestDivisorAtMost(batch, (int) Math.min(batch, fits));
        return new MicroBatch(micro, batch, state, perSeq, budgetBytes, budgetSource);
    }

    /** @return the estimated peak memory of one step with this micro-batch */
    public long peakBytes() {
        return stateBytes + microBatch * perSequence;
    }

    /** @return passes per optimizer step */
    public int passes() {
        return batch / microBatch;
    }

    /** @return one line: the estimate and the choice */
    public String describe() {
        String why = budgetBytes > 0 ? String.format(Locale.ROOT, ", the largest divisor of %d within %s (%s)", batch,
                gb(budgetBytes), budgetSource) : " (given)";
        return String.format(Locale.ROOT, "memory: state %s + %s per sequence; micro-batch %d × %d pass(es) per step"
                + "%s; estimated peak %s", gb(stateBytes), mb(perSequence), microBatch, passes(), why, gb(peakBytes()));
    }

    /**
     * What the backend reports as memory for one model: the smallest device's total on CUDA, memory available
     * to this process on CPU.
     *
     * @return bytes, and where the figure came from
     */
    public static Budget detectBudget() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        Object devices = env.get("cuda.devicesInformation");
        if (devices instanceof java.util.List<?> list && !list.isEmpty()) {
            long least = Long.MAX_VALUE;
            for (Object o : list) {
                if (o instanceof java.util.Map<?, ?> m && m.get("cuda.totalMemory") instanceof Number n) {
                    least = Math.min(least, n.longValue());
                }
            }
            if (least != Long.MAX_VALUE) {
                return new Budget(least, "CUDA device memory");
            }
        }
        long available = memAvailable();
        if (available > 0) {
            return new Budget(available, "MemAvailable in /proc/meminfo");
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return new Budget(os.getFreeMemorySize(), "free physical memory");
    }

    /**
     * A memory budget.
     *
     * @param bytes  bytes
     * @param source where the figure came from
     */
    public record Budget(long bytes, String source) {
    }

    private static long memAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /**
     * @param given sequences per pass
     * @param batch sequences per step
     * @throws IllegalArgumentException naming {@code --micro-batch} unless {@code given} divides {@code batch}
     */
    public static void checkDivides(int given, int batch) {
        if (given < 1 || batch % given != 0) {
            throw new IllegalArgumentException("--micro-batch " + given + ": must divide the batch of " + batch
                    + " sequences (e.g. " + largestDivisorAtMost(batch, Math.max(1, given)) + ")");
        }
    }

    static int largestDivisorAtMost(int n, int limit) {
        for (int k = Math.min(n, limit); k > 1; k--) {
            if (n % k == 0) {
                return k;
            }
        }
        return 1;
    }

    private static String gb(long bytes) {
        return bytes < 1e9 ? mb(bytes) : String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
