package org.staged.models.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.models.Gpt;
import org.staged.models.GptInit;
import org.staged.models.PackedState;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class MicroBatchTest {
    private static final ModelConfig CFG = new ModelConfig(512, 128, 64, 2, 4, 256, true, 1e-5);

    @DataProvider
    public Object[][] dropouts() {
        return new Object[][] {{0.0, 0.0}, {0.1, 0.1}};
    }

    /**
     * The estimate is checked against the growth of peak RSS over two training passes, measured in a fresh JVM
     * (in this one, memory freed by earlier tests would be reused and hide the growth).
     */
    @Test(dataProvider = "dropouts")
    public void activationEstimateIsWithin30PercentOfMeasuredPeak(double dropout, double attn) throws Exception {
        int b = 48;
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), PeakProbe.class.getName(), String.valueOf(b),
                String.valueOf(dropout), String.valueOf(attn)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(p.waitFor(), 0, out);
        String[] lines = out.strip().split("\\n");
        long measured = Long.parseLong(lines[lines.length - 1].replaceAll("[^0-9]", ""));
        long estimate = b * MicroBatch.activationBytesPerSequence(CFG, 4, dropout, attn);
        double ratio = (double) estimate / measured;
        System.out.printf("activation memory, batch %d, dropout %.1f/%.1f: estimate %.1f MB, measured %.1f MB%n", b,
                dropout, attn, estimate / 1e6, measured / 1e6);
        assertTrue(ratio > 0.7 && ratio < 1.3, "estimate " + estimate / 1e6 + " MB, measured " + measured / 1e6
                + " MB (ratio " + ratio + ")");
    }

    /** Prints the peak-RSS growth of two training passes of batch args[0] with dropouts args[1], args[2]. */
    public static final class PeakProbe {
        public static void main(String[] args) throws IOException {
            int b = Integer.parseInt(args[0]);
            double dropout = Double.parseDouble(args[1]);
            double attn = Double.parseDouble(args[2]);
            TrainingState s = TrainingState.fresh(CFG, GptInit.init(CFG, 1, DataType.FLOAT),
                    LrSchedule.cosine(1e-3, 1, 10));
            PackedState ps = PackedState.of(s);
            Gpt gpt = new Gpt(CFG, ps.state().params());
            gpt.setDropout(dropout, attn, 0);
            gpt.lossAndGradients(tokens(1, 1), tokens(1, 2), ps.grads());   // loads natives, kernels and the JIT
            INDArray x = tokens(b, 1);
            INDArray y = tokens(b, 2);
            long before = resetPeak();
            for (int i = 0; i < 2; i++) {
                gpt.setDropout(dropout, attn, i);
                gpt.lossAndGradients(x, y, ps.grads());
            }
            System.out.println("peak growth bytes " + (peak() - before));
        }
    }

    @Test
    public void theChoiceIsTheLargestDivisorThatFits() {
        long perSeq = MicroBatch.activationBytesPerSequence(CFG, 4, 0.1, 0.1);
        long state = MicroBatch.stateBytes(CFG, 4);
        MicroBatch m = MicroBatch.choose(48, CFG, 0.1, 0.1, state + 13 * perSeq + 1, "test");
        assertEquals(m.microBatch(), 12);   // 13 fit, 12 is the largest divisor of 48 up to 13
        assertEquals(m.passes(), 4);
        assertTrue(m.describe().contains("micro-batch 12 × 4"), m.describe());
        assertEquals(MicroBatch.choose(48, CFG, 0.1, 0.1, state + 100 * perSeq, "test").microBatch(), 48);
        assertEquals(MicroBatch.choose(7, CFG, 0.1, 0.1, state + 6 * perSeq, "test").microBatch(), 1);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> MicroBatch.choose(48, CFG, 0.1, 0.1, state, "test"));
        assertTrue(e.getMessage().startsWith("--memory-gb"), e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> MicroBatch.given(5, 48, CFG, 0, 0));
        assertTrue(e.getMessage().contains("must divide the batch of 48"), e.getMessage());
        assertTrue(MicroBatch.detectBudget().bytes() > 0);
    }

    private static INDArray tokens(int b, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[][] t = new int[b][CFG.contextLength()];
        for (int[] row : t) {
            for (int j = 0; j < row.length; j++) {
                row[j] = rng.nextInt(CFG.vocabSize());
            }
        }
        return Nd4j.createFromArray(t);
    }

    /** Resets the kernel's peak-RSS mark (writing 5 to clear_refs) and returns the current RSS in bytes. */
    private static long resetPeak() throws IOException {
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        return status("VmRSS:");
    }

    private static long peak() throws IOException {
        return status("VmHWM:");
    }

    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no " + field + " in /proc/self/status");
    }
}
