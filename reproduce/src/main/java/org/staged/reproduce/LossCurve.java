package org.staged.reproduce;

import java.util.List;
import java.util.Locale;
import org.staged.models.train.TrainLog;

/** A loss log as a Markdown table. */
final class LossCurve {
    private LossCurve() {
    }

    static String markdown(List<TrainLog.Row> rows) {
        StringBuilder s = new StringBuilder("| step | tokens | PF-days | train loss | val loss | lr |\n");
        s.append("|---:|---:|---:|---:|---:|---:|\n");
        for (TrainLog.Row r : rows) {
            s.append(String.format(Locale.ROOT, "| %d | %d | %.3e | %.4f | %.4f | %.2e |%n", r.step(), r.tokens(),
                    r.flops() / 8.64e19, r.trainLoss(), r.valLoss(), r.lr()));
        }
        return s.toString();
    }
}
