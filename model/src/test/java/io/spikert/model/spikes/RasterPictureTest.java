package io.spikert.model.spikes;

import io.spikert.kernels.spike.SpikeCoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class RasterPictureTest {
    static SpikeRaster raster(SpikeCoding coding) {
        var rec = new SpikeRecorder(null, 2);
        rec.onSpikes("model.layers.0.attn.q_proj", new int[] {3, 0, -2, 0}, 0, 4, 1f, null);
        rec.onSpikes("model.layers.0.attn.q_proj", new int[] {0, 0, 0, 0}, 0, 4, 1f, null);
        rec.onSpikes("model.layers.0.attn.q_proj", new int[] {9, 9, 9, 9}, 0, 4, 1f, null); // third token: not kept
        rec.onSpikes("model.layers.0.attn.k_proj", new int[] {3, 0, -2, 0}, 0, 4, 1f, null); // shares q's input: not kept
        return SpikeRaster.of(coding, rec.recorded());
    }

    @Test
    void trainsFollowTheCoding() {
        SpikeRaster r = raster(SpikeCoding.BITWISE_BIDIRECTIONAL);
        assertEquals(1, r.panels().size());
        var p = r.panels().getFirst();
        assertEquals(2, p.trains().size());
        // token 0: T = 2 (bit length of 3); 3 = 11, -2 = -(10)
        assertArrayEquals(new byte[] {1, 0, -1, 0, 1, 0, 0, 0}, p.trains().get(0).sign());
        // token 1: all silent, one empty row
        assertEquals(1, p.trains().get(1).steps());
        assertEquals(3, p.rows());
        // two's complement: -2 in T = 3 bits is 110, the sign step drawn negative
        var twos = raster(SpikeCoding.BITWISE_TWOS_COMPLEMENT).panels().getFirst().trains().get(0);
        assertArrayEquals(new byte[] {0, 0, -1, 0, 1, 0, 1, 0, 1, 0, 0, 0}, twos.sign());
        // binary leaves the negative count out
        var bin = raster(SpikeCoding.BINARY).panels().getFirst().trains().get(0);
        assertArrayEquals(new byte[] {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}, bin.sign());
    }

    @Test
    void pngDecodesWithTheExpectedSizeAndSpikePixels(@TempDir Path dir) throws IOException {
        SpikeRaster r = raster(SpikeCoding.BITWISE_BIDIRECTIONAL);
        Path png = dir.resolve("r.png");
        RasterPicture.writePng(r, png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        // 4 channels: cell width 4 (clamped), cell height 3; 3 rows + 1 token line; margins 4.
        assertEquals(2 * 4 + 4 * 4, img.getWidth());
        assertEquals(2 * 4 + 3 * 3 + 1, img.getHeight());
        int positive = 0, negative = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                positive += rgb == RasterPicture.POSITIVE ? 1 : 0;
                negative += rgb == RasterPicture.NEGATIVE ? 1 : 0;
            }
        }
        assertEquals(2 * 4 * 3, positive, "two +1 spikes of 4x3 pixels");
        assertEquals(4 * 3, negative, "one -1 spike");
        // channel 0, step 0 is +1; channel 2, step 0 is -1
        assertEquals(RasterPicture.POSITIVE, img.getRGB(4, 4) & 0xFFFFFF);
        assertEquals(RasterPicture.NEGATIVE, img.getRGB(4 + 2 * 4, 4) & 0xFFFFFF);
    }

    @Test
    void svgHasOneRectPerSpike(@TempDir Path dir) throws IOException {
        Path svg = dir.resolve("r.svg");
        RasterPicture.writeSvg(raster(SpikeCoding.TERNARY), svg);
        String text = Files.readString(svg);
        assertTrue(text.startsWith("<svg"));
        assertTrue(text.contains("layer 0 attn.q_proj input"));
        // ternary: 3 + 2 spikes
        assertEquals(5, text.split("fill=\"#" + String.format("%06x", RasterPicture.POSITIVE) + "\"", -1).length - 1
                + text.split("fill=\"#" + String.format("%06x", RasterPicture.NEGATIVE) + "\"", -1).length - 1);
    }
}
