package org.staged.models.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;
import static org.testng.Assert.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.models.GptInit;
import org.testng.annotations.Test;

public class CheckpointTest {
    private static TrainingState randomState() {
        ModelConfig cfg = ModelConfig.preset("micro");
        SplittableRandom rng = new SplittableRandom(4);
        Map<String, INDArray> p = GptInit.init(cfg, 3, DataType.FLOAT);
        Map<String, INDArray> m = TrainingState.map(p, a -> GptInit.gaussian(a.shape(), 1, rng, DataType.FLOAT));
        Map<String, INDArray> v = TrainingState.map(p, a -> GptInit.gaussian(a.shape(), 1, rng, DataType.FLOAT));
        return new TrainingState(cfg, p, m, v, 17, LrSchedule.cosine(1e-3, 5, 100), 12);
    }

    @Test
    public void roundTripIsExact() throws IOException {
        Path dir = Files.createTempDirectory("ckpt");
        Path f = dir.resolve("s.safetensors");
        TrainingState s = randomState();
        ObjectNode extra = new ObjectMapper().createObjectNode().put("epoch", 3);
        Checkpoint.save(f, s, extra);
        Checkpoint.Loaded l = Checkpoint.load(f);
        assertEquals(l.state().config(), s.config());
        assertEquals(l.state().schedule(), s.schedule());
        assertEquals(l.state().step(), 17);
        assertEquals(l.state().scheduleStep(), 12);
        assertEquals(l.extra().get("epoch").asInt(), 3);
        for (String k : s.params().keySet()) {
            assertEquals(l.state().params().get(k), s.params().get(k), k);
            assertEquals(l.state().adamM().get(k), s.adamM().get(k), k);
            assertEquals(l.state().adamV().get(k), s.adamV().get(k), k);
        }
        assertTrue(Files.list(dir).noneMatch(p -> p.toString().endsWith(".tmp")), "temp file left behind");
    }

    @Test
    public void fileIsPlainSafetensors() throws IOException {
        Path f = Files.createTempDirectory("ckpt").resolve("s.safetensors");
        Checkpoint.save(f, randomState(), null);
        byte[] all = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        var header = new ObjectMapper().readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
        var wte = header.get("wte.weight");
        assertEquals(wte.get("dtype").asText(), "F32");
        assertEquals(wte.get("shape").get(0).asInt(), 17);
        assertEquals(wte.get("data_offsets").get(0).asLong(), 0);
        assertTrue(header.has("optimizer.exp_avg.h.0.attn.q.weight"));
        float first = ByteBuffer.wrap(all, (int) (8 + n), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        assertEquals(first, randomState().params().get("wte.weight").getFloat(0), 0f);
    }

    @Test
    public void truncatedFileIsRejected() throws IOException {
        Path f = Files.createTempDirectory("ckpt").resolve("s.safetensors");
        Checkpoint.save(f, randomState(), null);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 100));
        CheckpointException e = expectThrows(CheckpointException.class, () -> Checkpoint.load(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    public void corruptedByteIsRejected() throws IOException {
        Path f = Files.createTempDirectory("ckpt").resolve("s.safetensors");
        Checkpoint.save(f, randomState(), null);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(raf.length() - 7);
            int b = raf.read();
            raf.seek(raf.length() - 7);
            raf.write(b ^ 0x40);
        }
        CheckpointException e = expectThrows(CheckpointException.class, () -> Checkpoint.load(f));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
    }

    @Test
    public void foreignFileIsRejected() throws IOException {
        Path f = Files.createTempDirectory("ckpt").resolve("x.safetensors");
        Files.writeString(f, "hello, this is not a checkpoint");
        CheckpointException e = expectThrows(CheckpointException.class, () -> Checkpoint.load(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    @Test
    public void nonFiniteStateIsNotWrittenOverAGoodOne() throws IOException {
        Path f = Files.createTempDirectory("ckpt").resolve("s.safetensors");
        TrainingState s = randomState();
        Checkpoint.save(f, s, new ObjectMapper().createObjectNode());
        byte[] good = Files.readAllBytes(f);
        s.adamV().values().iterator().next().putScalar(0, Float.NaN);
        CheckpointException e = expectThrows(CheckpointException.class,
                () -> Checkpoint.save(f, s, new ObjectMapper().createObjectNode()));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertEquals(Files.readAllBytes(f), good);
        assertTrue(Files.list(f.getParent()).noneMatch(p -> p.toString().endsWith(".tmp")), "temp file left behind");
    }

    @Test
    public void tensorsOverSeveralChunksAndStridedViewsRoundTrip() throws IOException {
        // written a chunk (2^20 elements) at a time: a tensor of 2.5 chunks, a transposed view and a column slice
        ModelConfig cfg = ModelConfig.preset("micro").withVocabSize(327_680);   // wte 327,680 × 8 = 2.5 chunks
        Map<String, INDArray> p = GptInit.init(cfg, 3, DataType.FLOAT);
        SplittableRandom rng = new SplittableRandom(9);
        Map<String, INDArray> m = TrainingState.map(p, a -> a.rank() == 2
                ? GptInit.gaussian(new long[] {a.shape()[1], a.shape()[0]}, 1, rng, DataType.FLOAT).transpose()
                : GptInit.gaussian(a.shape(), 1, rng, DataType.FLOAT));
        Map<String, INDArray> v = TrainingState.map(p, a -> a.rank() == 2
                ? GptInit.gaussian(new long[] {a.shape()[0], a.shape()[1] + 3}, 1, rng, DataType.FLOAT)
                .get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, a.shape()[1] + 1))
                : GptInit.gaussian(a.shape(), 1, rng, DataType.FLOAT));
        TrainingState s = new TrainingState(cfg, p, m, v, 3, LrSchedule.cosine(1e-3, 5, 100), 3);
        Path f = Files.createTempDirectory("ckpt").resolve("s.safetensors");
        Checkpoint.save(f, s, null);
        TrainingState l = Checkpoint.load(f).state();
        assertTrue(p.get("wte.weight").length() > 2 * (1 << 20));
        for (String k : p.keySet()) {
            assertEquals(l.params().get(k), p.get(k), k);
            assertEquals(l.adamM().get(k), m.get(k), k);
            assertEquals(l.adamV().get(k), v.get(k), k);
        }
    }
}
