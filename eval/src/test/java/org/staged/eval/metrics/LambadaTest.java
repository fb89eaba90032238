package org.staged.eval.metrics;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.staged.eval.data.DataException;
import org.staged.eval.text.ByteTokenizer;
import org.testng.annotations.Test;

public class LambadaTest {
    /** Predicts the true next token everywhere except, optionally, at one output index. */
    private static TokenScorer oracle(int context, int wrongFromEnd) {
        return new TokenScorer() {
            @Override
            public int contextLength() {
                return context;
            }

            @Override
            public Scores score(int[][] windows, boolean withArgmax) {
                double[][] logProbs = new double[windows.length][windows[0].length - 1];   // log 1 = 0
                int[][] out = new int[windows.length][windows[0].length - 1];
                for (int w = 0; w < windows.length; w++) {
                    int realLength = windows[w].length;
                    while (realLength > 1 && windows[w][realLength - 1] == 0) {
                        realLength--;   // padding
                    }
                    for (int i = 0; i < out[w].length; i++) {
                        out[w][i] = windows[w][i + 1];
                    }
                    if (wrongFromEnd >= 0) {
                        out[w][realLength - 2 - wrongFromEnd] = -1;
                    }
                }
                return new Scores(logProbs, withArgmax ? out : null);
            }
        };
    }

    @Test
    public void everyTokenOfTheTargetWordMustBeRight() throws IOException {
        Path f = Files.createTempDirectory("lambada").resolve("test.jsonl");
        Files.writeString(f, "{\"text\": \"the cat sat on the mat\"}\n{\"text\": \"a longer passage ends in signs\"}\n");
        Lambada.Items items = Lambada.read(f, false);
        assertEquals(items.items().get(1).target(), " signs");
        ByteTokenizer bytes = new ByteTokenizer();
        Lambada.Result all = Lambada.evaluate(items.items(), 0, bytes, oracle(64, -1), 2, false);
        assertEquals(all.accuracy(), 1.0);
        assertEquals(all.targetTokens(), 4 + 6);   // " mat" and " signs" in bytes
        assertEquals(all.targetPerplexity(), 1.0, 1e-12);
        // wrong on the first token of the target word only: the last-token-only rule would call it right
        Lambada.Result firstWrong = Lambada.evaluate(items.items(), 0, bytes, oracle(64, 3), 2, false);
        assertEquals(firstWrong.accuracy(), 0.0);
        // wrong only on a context token: still right
        Lambada.Result contextWrong = Lambada.evaluate(items.items(), 0, bytes, oracle(64, 8), 1, false);
        assertEquals(contextWrong.accuracy(), 1.0);
    }

    @Test
    public void longPassagesKeepTheirEnd() {
        List<Lambada.Item> items = List.of(new Lambada.Item("x".repeat(500), " word"));
        Lambada.Result r = Lambada.evaluate(items, 0, new ByteTokenizer(), oracle(32, -1), 1, false);
        assertEquals(r.accuracy(), 1.0);
        assertEquals(r.targetTokens(), 5);
    }

    @Test
    public void malformedLinesNameFileAndLineOrAreCounted() throws IOException {
        Path f = Files.createTempDirectory("lambada").resolve("test.jsonl");
        Files.writeString(f, "{\"text\": \"fine passage here\"}\n{\"text\": broken\nsingleword\n{\"text\": \"also fine\"}\n");
        DataException e = expectThrows(DataException.class, () -> Lambada.read(f, false));
        assertTrue(e.getMessage().startsWith(f + ":2:"), e.getMessage());
        Lambada.Items items = Lambada.read(f, true);
        assertEquals(items.items().size(), 2);
        assertEquals(items.skipped(), 2);
    }
}
