package io.spikert.bench.sweep;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.*;

/** The context sweep end to end at the small synthetic shape: both models measured, the table, CSV and plot written. */
@Timeout(300)
class ContextSweepTest {

    @Test
    void sweepsBothModelsAndWritesTableCsvAndPlot(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        int rc = new CommandLine(new ContextSweep()).execute("--shape", "small", "--contexts", "64,512",
                "--spikingbrain-extra", "2k", "--decode-tokens", "2", "--threads", "2", "--cache", tmp.resolve("cache").toString(),
                "--out", out.toString());
        assertEquals(0, rc);
        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(1 + 3 + 2, csv.size(), String.join("\n", csv));
        for (String row : csv.subList(1, csv.size())) {
            String[] f = row.split(",");
            assertEquals("prompt", f[2], row);
            assertTrue(Double.parseDouble(f[3]) > 0 && Double.parseDouble(f[4]) > 0, "measured: " + row);
            assertTrue(f.length == 7 || f[7].isEmpty(), "not skipped: " + row);
        }
        assertTrue(csv.get(1).startsWith("SpikingBrain,64,"), csv.get(1));
        assertTrue(csv.get(4).startsWith("Qwen2,64,"), csv.get(4));
        String md = Files.readString(out.resolve("sweep.md"));
        assertTrue(md.contains("| 512 |") && md.contains("| 2k |"), md);
        BufferedImage png = ImageIO.read(out.resolve("sweep.png").toFile());
        assertNotNull(png, "a PNG");
        assertTrue(png.getWidth() > 1000 && png.getHeight() > 400);
    }

    /** A prefill over the cap stops after its first piece, and the model's longer contexts are not run. */
    @Test
    void aPointOverTheTimeCapStopsAndSkipsTheLongerOnes(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        int rc = new CommandLine(new ContextSweep()).execute("--shape", "small", "--contexts", "64,8k,16k",
                "--decode-tokens", "1", "--point-cap-s", "1e-9", "--threads", "2", "--cache", tmp.resolve("cache").toString(),
                "--out", out.toString());
        assertEquals(0, rc);
        String csv = Files.readString(out.resolve("sweep.csv"));
        assertTrue(csv.contains("SpikingBrain,8192,prompt,NaN,NaN,-1,-1,\"stopped after"), csv);
        assertTrue(csv.contains("SpikingBrain,16384,prompt,NaN,NaN,-1,-1,\"not run: a shorter context stopped at the time cap\""), csv);
        assertTrue(csv.contains("Qwen2,8192,prompt,NaN"), csv);
    }

    /** A sweep run model by model: the second run, with --append, keeps the first's points and replaces a re-run one. */
    @Test
    void appendKeepsTheEarlierRunsPoints(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        String cache = tmp.resolve("cache").toString();
        assertEquals(0, new CommandLine(new ContextSweep()).execute("--shape", "small", "--contexts", "64,256", "--models",
                "spikingbrain", "--decode-tokens", "1", "--threads", "2", "--cache", cache, "--out", out.toString()));
        assertEquals(0, new CommandLine(new ContextSweep()).execute("--shape", "small", "--contexts", "256", "--models",
                "qwen2,spikingbrain", "--append", "--decode-tokens", "1", "--threads", "2", "--cache", cache, "--out", out.toString()));
        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(List.of("SpikingBrain,64", "SpikingBrain,256", "Qwen2,256"),
                csv.subList(1, csv.size()).stream().map(l -> l.substring(0, l.indexOf(',', l.indexOf(',') + 1))).toList());
        assertEquals(2, SweepReport.readCsv(out.resolve("sweep.csv")).stream().filter(p -> p.context() == 256).count());
    }

    /**
     * Depths reached from a state (no prompt): decode rates without TTFT, in rows of their own beside the prompt's, a
     * BF16 cache named in the title; a depth past Qwen2's longest context is skipped saying so, SpikingBrain's runs.
     */
    /**
     * {@code --alternate} with {@code --quantize q4}: both models at each depth in one process, their steps alternated;
     * a depth past Qwen2's longest context runs SpikingBrain alone and says why Qwen2 did not; the title names the
     * weights.
     */
    @Test
    void alternatedDepthsRunBothModelsTogether(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("alt");
        assertEquals(0, new CommandLine(new ContextSweep()).execute("--shape", "small", "--contexts", "", "--state-depths",
                "512,16M", "--alternate", "--quantize", "q4", "--decode-tokens", "2", "--threads", "2", "--cache",
                tmp.resolve("cache").toString(), "--kv-cache", "bf16", "--out", out.toString()));
        List<SweepPoint> points = SweepReport.readCsv(out.resolve("sweep.csv"));
        for (String model : List.of(ContextSweep.SPIKINGBRAIN, ContextSweep.QWEN2)) {
            SweepPoint p = points.stream().filter(q -> q.model().equals(model) && q.context() == 512).findFirst().orElseThrow();
            assertTrue(p.ran() && p.fromState() && p.decodeTokensPerSecond() > 0 && p.heapBytes() > 0, p.toString());
        }
        SweepPoint sb = points.stream().filter(p -> p.model().equals(ContextSweep.SPIKINGBRAIN) && p.context() == 16L << 20)
                .findFirst().orElseThrow();
        assertTrue(sb.ran(), sb.toString());
        SweepPoint far = points.stream().filter(p -> p.model().equals(ContextSweep.QWEN2) && p.context() == 16L << 20)
                .findFirst().orElseThrow();
        assertTrue(!far.ran() && far.skipped().contains("past the longest context"), far.toString());
        assertTrue(Files.readString(out.resolve("sweep.md")).contains("q4 weights"));
    }

    @Test
    void stateDepthsGiveDecodeRatesWithoutAPrompt(@TempDir Path tmp) throws Exception {
        String cache = tmp.resolve("cache").toString();
        Path f32 = tmp.resolve("f32");
        Path bf16 = tmp.resolve("bf16");
        for (Path out : List.of(f32, bf16)) {
            assertEquals(0, new CommandLine(new ContextSweep()).execute("--shape", "small", "--contexts", "512",
                    "--state-depths", "512,256k,16M", "--decode-tokens", "2", "--threads", "2", "--cache", cache,
                    "--kv-cache", out == f32 ? "f32" : "bf16", "--out", out.toString()));
        }
        List<SweepPoint> points = SweepReport.readCsv(f32.resolve("sweep.csv"));
        for (String model : List.of(ContextSweep.SPIKINGBRAIN, ContextSweep.QWEN2)) {
            SweepPoint state = points.stream().filter(p -> p.model().equals(model) && p.fromState() && p.context() == 512)
                    .findFirst().orElseThrow();
            assertTrue(state.ran() && Double.isNaN(state.ttftSeconds()) && state.decodeTokensPerSecond() > 0, state.toString());
        }
        SweepPoint sb = points.stream().filter(p -> p.model().equals(ContextSweep.SPIKINGBRAIN) && p.context() == 256 * 1024)
                .findFirst().orElseThrow();
        assertTrue(sb.ran() && sb.fromState(), "SpikingBrain's state is constant: " + sb);
        SweepPoint far = points.stream().filter(p -> p.model().equals(ContextSweep.QWEN2) && p.context() == 16L * 1024 * 1024)
                .findFirst().orElseThrow();
        assertTrue(!far.ran() && far.skipped().contains("past the longest context"), far.toString());
        String md = Files.readString(f32.resolve("sweep.md"));
        assertTrue(md.contains("| 512 (state) |") && md.contains("| 512 |") && md.contains("KV cache") , md);
        assertTrue(Files.readString(bf16.resolve("sweep.md")).contains("bf16 KV cache"));
    }

    @Test
    void contextLengthsAcceptSuffixesAndRefuseNonsense() {
        assertEquals(List.of(1000L, 4096L, 1048576L), ContextSweep.parseContexts(List.of("4k", "1M", "1000"), "--contexts"));
        var e = assertThrows(IllegalArgumentException.class, () -> ContextSweep.parseContexts(List.of("4q"), "--contexts"));
        assertTrue(e.getMessage().contains("--contexts") && e.getMessage().contains("4q"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ContextSweep.parseContexts(List.of("0"), "--contexts"));
        assertEquals(2, new CommandLine(new ContextSweep()).execute("--contexts", "", "--out", "/nonexistent/never-made"),
                "neither prompts nor depths: a usage error before anything is made");
        assertEquals(5.0, ContextSweep.median(new long[] {100, 5, 1}));
        assertEquals(4.5, ContextSweep.median(new long[] {9, 1, 4, 5}));
        assertEquals("64k", SweepPlot.contextLabel(65536));
        assertEquals("1M", SweepPlot.contextLabel(1 << 20));
    }
}
