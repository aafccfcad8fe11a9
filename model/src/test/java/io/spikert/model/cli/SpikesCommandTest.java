package io.spikert.model.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class SpikesCommandTest {
    static final Path W8 = Path.of("src/test/resources/tiny-w8aspike");
    static final Path BASE = Path.of("src/test/resources/tiny/f32");
    static final String IDS = "5,17,300,42,8,99,511,3";

    record Result(int status, String out, String err) {}

    static Result run(String... argv) throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = new SpikesCommand().run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void tableHasEveryFieldAndRow() throws Exception {
        Result r = run("spikes", "--model", W8.toString(), "--ids", IDS, "--threads", "2");
        assertEquals(0, r.status(), r.err());
        for (String field : new String[] {"fire%", "silent%", "spk/ch", "mean|s|", "max|s|", "|s|<=7%", "|s|>16%", "sparse3%",
                "fp16 pJ", "int8 pJ", "spike pJ", "pJ/MAC", "vs fp16", "vs int8", "attn.gk_proj", "mlp.up_proj", "total"}) {
            assertTrue(r.out().contains(field), field + " in\n" + r.out());
        }
        assertTrue(r.out().contains("synthetic"), r.out());
    }

    @Test
    void jsonHasStatisticsAndEnergy() throws Exception {
        Result r = run("spikes", "--model", W8.toString(), "--ids", IDS, "--threads", "2", "--json", "--coding", "ternary", "--k", "2");
        assertEquals(0, r.status(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals("ternary", root.get("coding").asText());
        assertEquals(8, root.get("tokens").asInt());
        assertEquals(2.0, root.get("k").asDouble());
        assertEquals(26, root.get("projections").size());
        JsonNode q = root.get("projections").get(0);
        assertEquals("model.layers.0.attn.q_proj", q.get("name").asText());
        for (String f : new String[] {"firing_rate", "silent_share", "mean_spikes_per_channel", "mean_abs_count", "max_abs_count",
                "share_abs_0_to_7", "share_abs_above_16", "sparsity_3_steps", "abs_count_histogram_0_to_16_then_above"}) {
            assertTrue(q.has(f), f);
        }
        JsonNode e = q.get("energy");
        assertEquals(128, e.get("out").asInt());
        assertEquals(128.0 * 128 * 1.5, e.get("fp16_pj_per_token").asDouble(), 1e-9);
        // ternary: spikes per channel = mean |s|, so the spiking energy per MAC is mean|s| x 0.03
        assertEquals(q.get("mean_abs_count").asDouble() * 0.03, e.get("spike_pj_per_mac").asDouble(), 1e-12);
        JsonNode total = root.get("total");
        assertTrue(total.get("energy").get("saved_vs_fp16").asDouble() > 0.5);
        double fp16 = 0;
        for (JsonNode p : root.get("projections")) {
            fp16 += p.get("energy").get("fp16_pj_per_token").asDouble();
        }
        assertEquals(fp16, total.get("energy").get("fp16_pj_per_token").asDouble(), 1e-6 * fp16);
    }

    @Test
    void rasterPngIsWritten(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("raster.png");
        Result r = run("spikes", "--model", W8.toString(), "--ids", IDS, "--threads", "2",
                "--raster", png.toString(), "--raster-layers", "0,1", "--raster-tokens", "4");
        assertEquals(0, r.status(), r.err());
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertEquals(2 * 4 + 128 * 4, img.getWidth()); // 128 channels, cell width 4
        int spikes = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                spikes += rgb == 0xD62728 || rgb == 0x1F5FBF ? 1 : 0;
            }
        }
        assertTrue(spikes > 1000, "spike pixels: " + spikes);
    }

    @Test
    void baseModelAndBadArgumentsAreUsageErrors() {
        var e = assertThrows(UsageException.class, () -> run("spikes", "--model", BASE.toString(), "--ids", "1,2"));
        assertTrue(e.getMessage().contains("W8ASpike"), e.getMessage());
        assertThrows(UsageException.class, () -> run("spikes", "--model", W8.toString(), "--ids", "1", "--coding", "morse"));
        assertThrows(UsageException.class, () -> run("spikes", "--model", W8.toString(), "--ids", "1", "--raster", "x.gif"));
        assertThrows(UsageException.class, () -> run("spikes", "--model", W8.toString(), "--ids", "1", "--raster-tokens", "3"));
        assertThrows(UsageException.class, () -> run("spikes", "--model", W8.toString()));
    }
}
