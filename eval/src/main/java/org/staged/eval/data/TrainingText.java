package org.staged.eval.data;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training text read from one or more sources of the data directory, split into training and held-out
 * validation text. Documents are cut into chunks of about {@value #CHUNK} characters at line breaks, and
 * each chunk goes to validation with probability {@code valFraction} drawn from a seeded stream, so the
 * split is fixed for a seed and spread over all documents (a Gutenberg book is one document).
 *
 * @param train training text
 * @param val   validation text
 */
public record TrainingText(String train, String val) {
    /** Approximate size of the pieces assigned to one split. */
    public static final int CHUNK = 4096;

    /**
     * Reads up to {@code maxChars} characters, shared equally among {@code sources}, and splits them.
     *
     * @param dir         data directory
     * @param sources     folders under {@code train/}
     * @param maxChars    total characters to read
     * @param valFraction fraction of chunks held out for validation, in (0, 1)
     * @param seed        split seed
     * @return the split
     */
    public static TrainingText load(DataDir dir, List<String> sources, long maxChars, double valFraction, long seed) {
        if (!(valFraction > 0 && valFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in (0, 1), found " + valFraction);
        }
        StringBuilder train = new StringBuilder();
        StringBuilder val = new StringBuilder();
        SplittableRandom rng = new SplittableRandom(seed);
        long perSource = maxChars / sources.size();
        for (String source : sources) {
            long[] read = {0};
            for (Path f : dir.trainFiles(source)) {
                if (read[0] >= perSource) {
                    break;
                }
                TextFiles.forEachDocument(f, doc -> {
                    String d = doc.length() > perSource - read[0] ? doc.substring(0, (int) (perSource - read[0])) : doc;
                    read[0] += d.length();
                    split(d, valFraction, rng, train, val);
                    return read[0] < perSource;
                });
            }
        }
        return new TrainingText(train.toString(), val.toString());
    }

    /** Cuts {@code doc} into chunks at line breaks and deals them to the two splits. */
    static void split(String doc, double valFraction, SplittableRandom rng, StringBuilder train, StringBuilder val) {
        int start = 0;
        StringBuilder last = train;
        while (start < doc.length()) {
            int end = Math.min(doc.length(), start + CHUNK);
            if (end < doc.length()) {
                int nl = doc.indexOf('\n', end);
                end = nl < 0 ? doc.length() : nl + 1;
            }
            last = rng.nextDouble() < valFraction ? val : train;
            last.append(doc, start, end);
            start = end;
        }
        last.append("\n\n"); // document boundary
    }
}
