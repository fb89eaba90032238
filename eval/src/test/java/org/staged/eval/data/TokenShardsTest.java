package org.staged.eval.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.models.AdamConfig;
import org.staged.models.GptInit;
import org.staged.models.train.TokenBatches;
import org.staged.models.train.TrainConfig;
import org.staged.models.train.TrainLog;
import org.staged.models.train.Trainer;
import org.staged.models.train.TrainingStream;
import org.testng.annotations.Test;

public class TokenShardsTest {

    /** Three training shards whose every token is its own global index, and a validation shard. */
    private static Path numbered(int... sizes) throws IOException {
        Path dir = Files.createTempDirectory("shards");
        int next = 0;
        for (int k = 0; k < sizes.length; k++) {
            int[] t = new int[sizes[k]];
            for (int i = 0; i < t.length; i++) {
                t[i] = next++;
            }
            TokenShard.write(dir.resolve(String.format("demo_train_%06d.bin", k + 1)), t);
        }
        TokenShard.write(dir.resolve("demo_val_000000.bin"), new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        return dir;
    }

    @Test
    public void anEpochReadsEverySequenceOnceThenSaysSoOnceAndReorders() throws IOException {
        TokenShards shards = TokenShards.open(numbered(81, 57, 33), 1000);
        List<String> notices = new ArrayList<>();
        shards.onNotice(notices::add);
        TrainingStream s = shards.open(8, 3, 7);
        int sequences = 10 + 7 + 4;   // (n − 1) / 8 per shard
        Set<Integer> seen = new HashSet<>();
        List<Integer> firstEpoch = new ArrayList<>();
        for (int b = 0; b < 7; b++) {   // 21 sequences: exactly one epoch
            int[][] x = s.next().inputs().toIntMatrix();
            for (int[] row : x) {
                assertTrue(seen.add(row[0]), "sequence starting at token " + row[0] + " read twice in one epoch");
                firstEpoch.add(row[0]);
            }
        }
        assertEquals(seen.size(), sequences);
        assertEquals(notices.size(), 0, "the epoch ends when its last sequence is read, not before");
        assertEquals(s.position().epoch(), 0L);
        List<Integer> second = new ArrayList<>();
        for (int b = 0; b < 7; b++) {
            for (int[] row : s.next().inputs().toIntMatrix()) {
                second.add(row[0]);
            }
        }
        assertEquals(notices.size(), 1, notices.toString());
        assertTrue(notices.get(0).contains("all 171 tokens of 3 shard(s)") && notices.get(0).contains("epoch 1"),
                notices.get(0));
        assertEquals(new HashSet<>(second), seen, "the next epoch reads the same sequences");
        assertNotEquals(second, firstEpoch, "in a new order");
    }

    @Test
    public void targetsAreTheNextTokensWithinAShard() throws IOException {
        TrainingStream s = TokenShards.open(numbered(81, 57, 33), 1000).open(8, 4, 3);
        TokenBatches.Batch b = s.next();
        int[][] x = b.inputs().toIntMatrix();
        int[][] y = b.targets().toIntMatrix();
        for (int r = 0; r < x.length; r++) {
            for (int j = 0; j < 8; j++) {
                assertEquals(x[r][j], x[r][0] + j);
                assertEquals(y[r][j], x[r][0] + j + 1);
            }
        }
    }

    @Test
    public void seekingToAPositionReadsTheSameBatchesAcrossShardsAndEpochs() throws IOException {
        TokenShards shards = TokenShards.open(numbered(81, 57, 33), 1000).onNotice(n -> { });
        TrainingStream a = shards.open(8, 4, 11);
        for (int i = 0; i < 9; i++) {   // 36 sequences: into the second epoch
            TrainingStream.Position p = a.position();
            TrainingStream b = shards.open(8, 4, 11);
            b.seek(p);
            assertEquals(b.next().inputs().toIntMatrix(), a.next().inputs().toIntMatrix(), "batch " + i + " from " + p);
        }
        assertEquals(a.position().epoch(), 1L);
    }

    @Test
    public void aFolderWithoutValidationOrWithABadShardIsOneError() throws IOException {
        Path dir = numbered(81);
        Files.delete(dir.resolve("demo_val_000000.bin"));
        DataException e = expectThrows(DataException.class, () -> TokenShards.open(dir, 1000));
        assertTrue(e.getMessage().contains("expected training shards and a validation shard"), e.getMessage());
        Path tooBig = numbered(81);
        TrainingStream s = TokenShards.open(tooBig, 50).open(8, 4, 1);   // tokens 50.. lie outside a vocabulary of 50
        e = expectThrows(DataException.class, () -> {
            for (int i = 0; i < 3; i++) {
                s.next();
            }
        });
        assertTrue(e.getMessage().matches(".*demo_train_000001.bin: offset \\d+: token \\d+ is outside the vocabulary of 50"),
                e.getMessage());
    }

    /** Training from shards, including an llm.c-layout shard written byte by byte, resumes bit-identically. */
    @Test
    public void trainingFromShardsResumesBitIdenticallyAcrossShards() throws IOException {
        ModelConfig cfg = ModelConfig.preset("micro");
        SplittableRandom rng = new SplittableRandom(3);
        Path dir = Files.createTempDirectory("shards");
        Path llmc = TokenShardTest.handWritten(pattern(rng, 700, cfg.vocabSize()));
        Files.move(llmc, dir.resolve(llmc.getFileName()));
        TokenShard.write(dir.resolve("demo_train_000002.bin"), pattern(rng, 500, cfg.vocabSize()));
        TokenShard.write(dir.resolve("demo_val_000000.bin"), pattern(rng, 300, cfg.vocabSize()));
        TokenShards shards = TokenShards.open(dir, cfg.vocabSize()).onNotice(n -> { });
        int[] val = shards.validationTokens(300);
        // 4 × 8 tokens per step over 1,200 tokens: the 60 steps cross shards and epochs
        TrainConfig tc = new TrainConfig(4, 60, 5, 2, 10, 42, 0.1, 0.1);
        Path straight = Files.createTempDirectory("run");
        new Trainer(tc, AdamConfig.defaults(), shards, val, straight, false).run(fresh(cfg), 0, 0);
        Path crashed = Files.createTempDirectory("run");
        try {
            new Trainer(tc, AdamConfig.defaults(), shards, val, crashed, false).onRow(r -> {
                if (r.step() == 45) {
                    throw new IllegalStateException("killed");
                }
            }).run(fresh(cfg), 0, 0);
        } catch (IllegalStateException expected) {
            // after the checkpoint at step 40
        }
        new Trainer(tc, AdamConfig.defaults(), shards, val, crashed, false).resume();
        assertEquals(Files.readAllBytes(crashed.resolve(Trainer.CHECKPOINT)),
                Files.readAllBytes(straight.resolve(Trainer.CHECKPOINT)));
        assertEquals(Files.readAllLines(crashed.resolve(Trainer.LOG)), Files.readAllLines(straight.resolve(Trainer.LOG)));
        List<TrainLog.Row> rows = TrainLog.read(straight.resolve(Trainer.LOG));
        assertTrue(rows.get(rows.size() - 1).valLoss() < rows.get(0).valLoss(), "it learns from the shards");
    }

    private static TrainingState fresh(ModelConfig cfg) {
        return TrainingState.fresh(cfg, GptInit.init(cfg, 5, DataType.FLOAT), LrSchedule.cosine(3e-3, 5, 60));
    }

    private static int[] pattern(SplittableRandom rng, int n, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = rng.nextInt(10) == 0 ? rng.nextInt(vocab) : (i * 7) % vocab;
        }
        return t;
    }
}
