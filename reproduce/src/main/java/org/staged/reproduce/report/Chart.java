package org.staged.reproduce.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.staged.api.AtomicFiles;

/**
 * One line chart: named curves and named marker points, drawn headless with JFreeChart. Panels are combined
 * side by side into one PNG, written atomically.
 */
public final class Chart {
    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
        new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194),
        new Color(127, 127, 127), new Color(188, 189, 34), new Color(23, 190, 207)};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logX;
    private final List<XYSeries> lines = new ArrayList<>();
    private final List<XYSeries> markers = new ArrayList<>();
    private double from = Double.NEGATIVE_INFINITY;   // x window; the y-axis fits what lies inside it
    private double to = Double.POSITIVE_INFINITY;

    /**
     * @param title  panel title
     * @param xLabel x-axis label
     * @param yLabel y-axis label
     * @param logX   whether the x-axis is logarithmic (compute)
     */
    public Chart(String title, String xLabel, String yLabel, boolean logX) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logX = logX;
    }

    /** Adds a curve of (x, y) points. */
    public Chart line(String name, List<double[]> points) {
        XYSeries s = new XYSeries(name, false, true);
        points.stream().filter(p -> p[0] > 0 || !logX).forEach(p -> s.add(p[0], p[1]));
        lines.add(s);
        return this;
    }

    /**
     * Shows only x in [from, to], so a stretch of a long run (the window around a growth) can be read.
     *
     * @param from first x shown
     * @param to   last x shown
     * @return this chart
     */
    public Chart window(double from, double to) {
        this.from = from;
        this.to = to;
        return this;
    }

    /** Adds a labelled point. */
    public Chart marker(String name, double x, double y) {
        XYSeries s = new XYSeries(name, false, true);
        s.add(x, y);
        markers.add(s);
        return this;
    }

    JFreeChart build() {
        XYSeriesCollection data = new XYSeriesCollection();
        lines.forEach(l -> data.addSeries(inWindow(l)));
        markers.forEach(m -> data.addSeries(inWindow(m)));
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer();
        for (int i = 0; i < lines.size(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesShapesVisible(i, false);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        for (int j = 0; j < markers.size(); j++) {
            int i = lines.size() + j;
            r.setSeriesLinesVisible(i, false);
            r.setSeriesShape(i, new Ellipse2D.Double(-6, -6, 12, 12));
            r.setSeriesPaint(i, PALETTE[(i + 3) % PALETTE.length].darker());
        }
        ValueAxis x = logX ? new LogAxis(xLabel) : new NumberAxis(xLabel);
        if (x instanceof NumberAxis n && Double.isFinite(from)) {
            n.setAutoRangeIncludesZero(false);   // a window shows its stretch, not the way from 0
        }
        NumberAxis y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart c = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 14), plot, true);
        c.setBackgroundPaint(Color.WHITE);
        return c;
    }

    private XYSeries inWindow(XYSeries s) {
        XYSeries out = new XYSeries(s.getKey(), false, true);
        for (int i = 0; i < s.getItemCount(); i++) {
            double x = s.getX(i).doubleValue();
            if (x >= from && x <= to) {
                out.add(x, s.getY(i).doubleValue());
            }
        }
        return out;
    }

    /**
     * Writes panels side by side as one PNG.
     *
     * @param file   target
     * @param panels charts, left to right
     */
    public static void writePng(Path file, List<Chart> panels) {
        int w = 640;
        int h = 480;
        BufferedImage img = new BufferedImage(w * panels.size(), h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        for (int i = 0; i < panels.size(); i++) {
            panels.get(i).build().draw(g, new java.awt.geom.Rectangle2D.Double(i * w, 0, w, h));
        }
        g.dispose();
        AtomicFiles.write(file, out -> ImageIO.write(img, "png", out));
    }
}
