package org.staged.models.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Training batches in a seeded order that a checkpoint can resume: its {@link Position} is all a resumed run
 * needs to read the same batches.
 */
public interface TrainingStream {

    /** @return the next batch of inputs and next-token targets */
    TokenBatches.Batch next();

    /** @return where the next batch would be read */
    Position position();

    /** Moves to a saved position. */
    void seek(Position p);

    /**
     * Where a stream stands.
     *
     * @param epoch  pass over the data, from 0
     * @param shard  index in the epoch's shard order (0 for data held in memory)
     * @param cursor next sequence within that shard's order
     */
    record Position(long epoch, int shard, long cursor) {
        /** The start of the data. */
        public static final Position START = new Position(0, 0, 0);

        /** @return the position a checkpoint's extra metadata records ({@code shard} absent means 0) */
        public static Position of(JsonNode extra) {
            return new Position(extra.get("epoch").asLong(), extra.path("shard").asInt(0), extra.get("cursor").asLong());
        }

        /** Records this position in checkpoint metadata ({@code shard} only when not 0, as older runs wrote it). */
        public void writeTo(ObjectNode extra) {
            extra.put("epoch", epoch);
            if (shard != 0) {
                extra.put("shard", shard);
            }
            extra.put("cursor", cursor);
        }
    }
}
