package org.staged.cli;

import java.util.List;
import java.util.Locale;
import org.staged.models.train.TrainLog;

/** A loss log as a Markdown table. */
final class LossCurve {
    private LossCurve() {
    }

    /** The table, with a stage column when the log spans more than one stage. */
    static String markdown(List<TrainLog.Row> rows) {
        boolean staged = rows.stream().anyMatch(r -> r.stage() > 1);
        StringBuilder s = new StringBuilder(staged ? "| stage " : "").append("| step | tokens | PF-days | train loss | "
                + "val loss | lr |\n");
        s.append(staged ? "|---:" : "").append("|---:|---:|---:|---:|---:|---:|\n");
        for (TrainLog.Row r : rows) {
            s.append(staged ? "| " + r.stage() + " " : "").append(String.format(Locale.ROOT,
                    "| %d | %d | %.3e | %.4f | %.4f | %.2e |%n", r.step(), r.tokens(), r.flops() / 8.64e19,
                    r.trainLoss(), r.valLoss(), r.lr()));
        }
        return s.toString();
    }
}
