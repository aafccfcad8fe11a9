package io.spikert.bench.sweep;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * The sweep as a PNG: time to first token and decode tokens/s against context length, log axes, one line per
 * model, drawn with Java2D (headless). Decode rates measured from a state put at a depth are a dashed line of
 * hollow dots beside the model's line of points after a prompt.
 */
final class SweepPlot {
    private static final int PANEL_W = 640;
    private static final int PANEL_H = 460;
    private static final int MARGIN_L = 78;
    private static final int MARGIN_R = 20;
    private static final int MARGIN_T = 56;
    private static final int MARGIN_B = 58;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)};

    private SweepPlot() {}

    static void write(Path file, String title, List<String> models, List<SweepPoint> points) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(2 * PANEL_W, PANEL_H + 30, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, MARGIN_L, 22);
        panel(g, 0, "time to first token (s)", models, points, SweepPoint::ttftSeconds);
        panel(g, PANEL_W, "decode after the prompt (tokens/s)", models, points, SweepPoint::decodeTokensPerSecond);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static void panel(Graphics2D g, int x0, String yLabel, List<String> models, List<SweepPoint> points,
                              ToDoubleFunction<SweepPoint> value) {
        List<SweepPoint> ran = points.stream().filter(SweepPoint::ran).filter(p -> value.applyAsDouble(p) > 0).toList();
        int left = x0 + MARGIN_L;
        int right = x0 + PANEL_W - MARGIN_R;
        int top = MARGIN_T;
        int bottom = PANEL_H - MARGIN_B;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(Color.BLACK);
        g.drawString(yLabel, left, top - 12);
        g.drawRect(left, top, right - left, bottom - top);
        if (ran.isEmpty()) {
            g.drawString("no point ran", left + 20, top + 30);
            return;
        }
        double xMin = decadeBelow(ran.stream().mapToDouble(p -> p.context()).min().orElseThrow());
        double xMax = decadeAbove(ran.stream().mapToDouble(p -> p.context()).max().orElseThrow());
        double yMin = decadeBelow(ran.stream().mapToDouble(value).min().orElseThrow());
        double yMax = decadeAbove(ran.stream().mapToDouble(value).max().orElseThrow());
        Axis x = new Axis(xMin, xMax, left, right);
        Axis y = new Axis(yMin, yMax, bottom, top);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (double d = xMin; d <= xMax * 1.0001; d *= 10) {
            int px = x.at(d);
            g.setColor(new Color(0xdddddd));
            g.drawLine(px, top, px, bottom);
            g.setColor(Color.BLACK);
            String s = decade(d);
            g.drawString(s, px - g.getFontMetrics().stringWidth(s) / 2, bottom + 16);
        }
        for (double d = yMin; d <= yMax * 1.0001; d *= 10) {
            int py = y.at(d);
            g.setColor(new Color(0xdddddd));
            g.drawLine(left, py, right, py);
            g.setColor(Color.BLACK);
            String s = number(d);
            g.drawString(s, left - 6 - g.getFontMetrics().stringWidth(s), py + 4);
        }
        g.drawString("context length (tokens)", (left + right) / 2 - 60, bottom + 36);
        int legend = 0;
        for (int m = 0; m < models.size(); m++) {
            String model = models.get(m);
            for (boolean state : new boolean[] {false, true}) {
                List<SweepPoint> line = ran.stream().filter(p -> p.model().equals(model) && p.fromState() == state).toList();
                if (line.isEmpty()) {
                    continue;
                }
                g.setColor(COLORS[m % COLORS.length]);
                g.setStroke(state ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f)
                        : new BasicStroke(2f));
                int px = -1;
                int py = -1;
                for (SweepPoint p : line) {
                    int qx = x.at(p.context());
                    int qy = y.at(value.applyAsDouble(p));
                    if (px >= 0) {
                        g.drawLine(px, py, qx, qy);
                    }
                    if (state) {
                        g.drawOval(qx - 4, qy - 4, 8, 8);
                    } else {
                        g.fillOval(qx - 4, qy - 4, 8, 8);
                    }
                    px = qx;
                    py = qy;
                }
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                g.drawString(state ? model + " (from a state at that depth)" : model, left + 12, top + 18 + 16 * legend++);
            }
        }
        g.setStroke(new BasicStroke(1f));
    }

    /** A log10 axis from {@code min} to {@code max} onto pixels {@code from} to {@code to}. */
    private record Axis(double min, double max, int from, int to) {
        int at(double v) {
            double f = (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
            return (int) Math.round(from + f * (to - from));
        }
    }

    private static double decadeBelow(double v) {
        return Math.pow(10, Math.floor(Math.log10(v)));
    }

    private static double decadeAbove(double v) {
        double d = Math.pow(10, Math.ceil(Math.log10(v)));
        return d <= v ? d * 10 : d;
    }

    /** 1024 tokens as "1k", 1048576 as "1M" (the sweep's lengths are powers of two); others as they are. */
    static String contextLabel(double tokens) {
        if (tokens >= 1 << 20) {
            return trim(tokens / (1 << 20)) + "M";
        }
        return tokens >= 1024 ? trim(tokens / 1024) + "k" : number(tokens);
    }

    /** An axis decade: 1000 as "1k", 1000000 as "1M". */
    private static String decade(double v) {
        if (v >= 1e6) {
            return number(v / 1e6) + "M";
        }
        return v >= 1e3 ? number(v / 1e3) + "k" : number(v);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String number(double v) {
        return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2g", v);
    }
}
