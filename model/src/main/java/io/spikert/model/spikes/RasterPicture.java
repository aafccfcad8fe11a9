package io.spikert.model.spikes;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Draws a {@link SpikeRaster} with the JDK alone: a PNG through {@link ImageIO} (pixels set directly,
 * no fonts, so it works headless anywhere) or an SVG as text (with panel titles). Red is +1, blue -1,
 * a grey line separates tokens, and panels are stacked top to bottom.
 */
public final class RasterPicture {
    static final int BACKGROUND = 0xFFFFFF;
    static final int POSITIVE = 0xD62728;
    static final int NEGATIVE = 0x1F5FBF;
    static final int TOKEN_LINE = 0xDDDDDD;
    static final int PANEL_GAP_COLOUR = 0x888888;
    static final int MARGIN = 4;
    static final int PANEL_GAP = 8;

    /** Where each panel and row goes. */
    record Layout(int cellW, int cellH, int width, int height) {
        static Layout of(SpikeRaster r) {
            int channels = 1;
            int rows = 0;
            int lines = 0;
            for (SpikeRaster.Panel p : r.panels()) {
                channels = Math.max(channels, p.channels());
                rows += p.rows();
                lines += Math.max(0, p.trains().size() - 1);
            }
            int cellW = Math.clamp(1024 / channels, 1, 4);
            int cellH = rows <= 400 ? 3 : 1;
            int gaps = Math.max(0, r.panels().size() - 1) * PANEL_GAP;
            return new Layout(cellW, cellH, 2 * MARGIN + channels * cellW, 2 * MARGIN + rows * cellH + lines + gaps);
        }
    }

    private RasterPicture() {}

    public static BufferedImage image(SpikeRaster raster) {
        System.setProperty("java.awt.headless", "true");
        Layout l = Layout.of(raster);
        BufferedImage img = new BufferedImage(l.width(), l.height(), BufferedImage.TYPE_INT_RGB);
        fill(img, 0, 0, l.width(), l.height(), BACKGROUND);
        int y = MARGIN;
        boolean firstPanel = true;
        for (SpikeRaster.Panel p : raster.panels()) {
            if (!firstPanel) {
                fill(img, 0, y + PANEL_GAP / 2 - 1, l.width(), 2, PANEL_GAP_COLOUR);
                y += PANEL_GAP;
            }
            firstPanel = false;
            boolean firstToken = true;
            for (SpikeRaster.Train tr : p.trains()) {
                if (!firstToken) {
                    fill(img, MARGIN, y, p.channels() * l.cellW(), 1, TOKEN_LINE);
                    y += 1;
                }
                firstToken = false;
                int n = p.channels();
                for (int t = 0; t < tr.steps(); t++) {
                    for (int i = 0; i < n; i++) {
                        byte s = tr.sign()[t * n + i];
                        if (s != 0) {
                            fill(img, MARGIN + i * l.cellW(), y, l.cellW(), l.cellH(), s > 0 ? POSITIVE : NEGATIVE);
                        }
                    }
                    y += l.cellH();
                }
            }
        }
        return img;
    }

    public static void writePng(SpikeRaster raster, Path file) throws IOException {
        if (!ImageIO.write(image(raster), "png", file.toFile())) {
            throw new IOException("no PNG writer in this JDK for " + file);
        }
    }

    public static String svg(SpikeRaster raster) {
        Layout l = Layout.of(raster);
        int titleH = 14;
        int height = l.height() + raster.panels().size() * titleH;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">%n",
                l.width(), height, l.width(), height));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#%06x\"/>%n", l.width(), height, BACKGROUND));
        int y = MARGIN;
        for (SpikeRaster.Panel p : raster.panels()) {
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%s (%s, x: channel, y: time step)</text>%n",
                    MARGIN, y + 11, escape(p.title()), raster.coding().name().toLowerCase(Locale.ROOT)));
            y += titleH;
            int n = p.channels();
            boolean firstToken = true;
            for (SpikeRaster.Train tr : p.trains()) {
                if (!firstToken) {
                    sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"1\" fill=\"#%06x\"/>%n",
                            MARGIN, y, n * l.cellW(), TOKEN_LINE));
                    y += 1;
                }
                firstToken = false;
                for (int t = 0; t < tr.steps(); t++) {
                    for (int i = 0; i < n; i++) {
                        byte s = tr.sign()[t * n + i];
                        if (s != 0) {
                            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%06x\"/>%n",
                                    MARGIN + i * l.cellW(), y, l.cellW(), l.cellH(), s > 0 ? POSITIVE : NEGATIVE));
                        }
                    }
                    y += l.cellH();
                }
            }
            y += PANEL_GAP;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    public static void writeSvg(SpikeRaster raster, Path file) throws IOException {
        Files.writeString(file, svg(raster), StandardCharsets.UTF_8);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void fill(BufferedImage img, int x, int y, int w, int h, int rgb) {
        for (int yy = y; yy < y + h; yy++) {
            for (int xx = x; xx < x + w; xx++) {
                img.setRGB(xx, yy, rgb);
            }
        }
    }
}
