package io.spikert.model.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class CliTest {
    static final Path TINY = Path.of("src/test/resources/tiny");
    static final Path PUBLISHED = io.spikert.model.PublishedFiles.dir();

    record Result(int status, String out, String err) {}

    static Result run(String... argv) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static int[] goldenIds() throws IOException {
        return new ObjectMapper().readValue(TINY.resolve("golden/ids.json").toFile(), int[].class);
    }

    static float[] goldenLogits() throws IOException {
        var buf = ByteBuffer.wrap(Files.readAllBytes(TINY.resolve("golden/logits-f32.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(f);
        return f;
    }

    static String joined(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    @Test
    void usageErrorsExitWithStatusTwoAndNoStackTrace() {
        for (String[] argv : new String[][] {
                {}, {"frobnicate"}, {"generate"}, {"generate", "--model"}, {"generate", "--model", "x", "--bogus", "1"},
                {"generate", "--model", TINY.resolve("f32").toString(), "--ids", "1,a"},
                {"generate", "--model", TINY.resolve("f32").toString(), "--ids", "1", "--prompt", "hi"},
                {"generate", "--model", TINY.resolve("f32").toString(), "--ids", "1", "--max-tokens", "-3"},
                {"generate", "--model", TINY.resolve("f32").toString(), "--ids", "1", "--temperature", "hot"},
                {"score", "--model", TINY.resolve("f32").toString(), "--ids", "1", "--logits", "x", "--mode", "sideways"}}) {
            Result r = run(argv);
            assertEquals(2, r.status(), Arrays.toString(argv) + " -> " + r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
            assertTrue(r.err().contains("usage") || r.err().contains("spikert "), r.err());
        }
    }

    @Test
    void failuresExitWithStatusOneAndAMessage(@TempDir Path dir) {
        Result r = run("generate", "--model", dir.toString(), "--ids", "1");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("config.json"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        Result textWithoutTokenizer = run("generate", "--model", TINY.resolve("f32").toString(), "--prompt", "hello");
        assertEquals(2, textWithoutTokenizer.status());
        assertTrue(textWithoutTokenizer.err().contains("--ids"), textWithoutTokenizer.err());
        Result badId = run("generate", "--model", TINY.resolve("f32").toString(), "--ids", "1,512");
        assertEquals(2, badId.status(), "an id outside the vocabulary is an argument error, found before loading");
        assertTrue(badId.err().contains("512"), badId.err());
    }

    @Test
    void greedyGenerationFollowsTheReferenceLogits() throws IOException {
        int[] ids = goldenIds();
        float[] logits = goldenLogits();
        int vocab = logits.length / ids.length;
        int expected = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[(ids.length - 1) * vocab + i] > logits[(ids.length - 1) * vocab + expected]) {
                expected = i;
            }
        }
        Result r = run("generate", "--model", TINY.resolve("f32").toString(), "--ids", joined(ids), "--max-tokens", "1",
                "--format", "ids", "--threads", "1");
        assertEquals(0, r.status(), r.err());
        assertEquals(Integer.toString(expected), r.out().trim());
        assertTrue(r.err().contains("tokens/s"), r.err());

        Result more = run("generate", "--model", TINY.resolve("f32").toString(), "--ids", joined(ids), "--max-tokens", "6",
                "--format", "ids", "--temperature", "0.8", "--seed", "3");
        assertEquals(0, more.status(), more.err());
        Result same = run("generate", "--model", TINY.resolve("f32").toString(), "--ids", joined(ids), "--max-tokens", "6",
                "--format", "ids", "--temperature", "0.8", "--seed", "3");
        assertEquals(more.out(), same.out(), "sampling is reproducible for a fixed seed");
    }

    @Test
    void scoreWritesAllLogitsAndTheLogLikelihood(@TempDir Path dir) throws IOException {
        int[] ids = goldenIds();
        float[] golden = goldenLogits();
        int vocab = golden.length / ids.length;
        double sum = 0;
        for (int t = 0; t + 1 < ids.length; t++) {
            sum += io.spikert.model.generate.LogLikelihood.logSoftmaxAt(golden, t * vocab, vocab, ids[t + 1]);
        }
        double expectedMean = sum / (ids.length - 1);
        for (String mode : new String[] {"prefill", "decode"}) {
            Path out = dir.resolve(mode + ".f32");
            Result r = run("score", "--model", TINY.resolve("f32").toString(), "--ids", joined(ids), "--logits", out.toString(),
                    "--mode", mode);
            assertEquals(0, r.status(), r.err());
            assertEquals((long) ids.length * vocab * 4, Files.size(out));
            var buf = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            for (int i = 0; i < golden.length; i++) {
                assertEquals(golden[i], buf.get(i), 1e-4f * 5, mode + " logit " + i);
            }
            var m = java.util.regex.Pattern.compile("mean log-likelihood of next token: (-?[0-9.]+)").matcher(r.out());
            assertTrue(m.find(), r.out());
            assertEquals(expectedMean, Double.parseDouble(m.group(1)), 1e-4, mode);
            assertFalse(Files.exists(dir.resolve(mode + ".f32.partial")));
        }
    }

    @Test
    void tokenizePrintsJsonIds() {
        Result r = run("tokenize", "--model", PUBLISHED.toString(), "--text", "The capital of France is");
        assertEquals(0, r.status(), r.err());
        assertEquals("[785,6722,315,9625,374]", r.out().trim());
    }

    @Test
    void inspectSummarisesTheCheckpoint() {
        Result r = run("inspect", "--model", TINY.resolve("bf16-bin").toString(), "--tensors");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("pytorch"), r.out());
        assertTrue(r.out().contains("GLA [0,2]") && r.out().contains("SWA [1,3]"), r.out());
        assertTrue(r.out().contains("model.layers.0.attn.gk_proj.0.weight"), r.out());
        assertTrue(r.out().contains("tensors: 59"), r.out());
    }

    @Test
    void demoWritesLoadsAndGenerates(@TempDir Path cache) {
        Result r = run("demo", "--cache", cache.toString(), "--max-tokens", "4");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("SYNTHETIC"), r.out());
        assertTrue(r.out().contains("decode:") && r.out().contains("tokens/s"), r.out());
        assertTrue(r.out().contains("memory: resident"), r.out());
        Result again = run("demo", "--cache", cache.toString(), "--max-tokens", "2");
        assertTrue(again.out().contains("using cached"), again.out());
    }

    @Test
    void verboseReportsTheSpikeKernelOfEachProjection() {
        Result r = run("generate", "--model", "src/test/resources/tiny-w8aspike", "--ids", "1,2,3,4", "--max-tokens", "2",
                "--format", "ids", "--verbose", "--k", "2.5");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("W8ASPIKE"), r.err());
        assertTrue(r.err().contains("spike kernels per projection") && r.err().contains("model.layers.0.mlp.up_proj"), r.err());
        assertFalse(r.err().contains("model.layers.0.mlp.down_proj"), "down_proj is not spiked: " + r.err());
        assertTrue(r.err().contains("loading: quantising model.layers.3.mlp.up_proj to INT8 codes"), "load progress: " + r.err());
        Result base = run("generate", "--model", TINY.resolve("f32").toString(), "--ids", "1,2", "--max-tokens", "1", "--format", "ids");
        assertFalse(base.err().contains("loading:"), "no progress line when nothing slow happens: " + base.err());
        assertTrue(r.err().contains("backend: cpu (") && r.err().contains("oneDNN"), "which product path runs: " + r.err());
        assertFalse(base.err().contains("backend:"), "only with --verbose: " + base.err());
    }

    @Test
    void precisionBf16RunsOnTheCpuAndIsRefusedElsewhereBeforeLoading() {
        String model = TINY.resolve("bf16-safetensors").toString();
        Result fp32 = run("generate", "--model", model, "--ids", "1,2,3,4,5,6,7,8,9,10", "--max-tokens", "3", "--format", "ids");
        Result bf16 = run("generate", "--model", model, "--ids", "1,2,3,4,5,6,7,8,9,10", "--max-tokens", "3", "--format", "ids",
                "--precision", "BF16", "--verbose");
        assertEquals(0, bf16.status(), bf16.err());
        assertEquals(0, fp32.status(), fp32.err());
        assertTrue(bf16.err().contains("bf16 prefill activations"), bf16.err());
        assertEquals(3, bf16.out().strip().split("[,\\s]+").length, bf16.out());
        Result gpu = run("generate", "--model", model, "--ids", "1,2", "--precision", "bf16", "--device", "cuda");
        assertEquals(2, gpu.status(), gpu.err());
        assertTrue(gpu.err().contains("--precision bf16 runs on the CPU only"), gpu.err());
        Result bad = run("generate", "--model", model, "--ids", "1,2", "--precision", "fp8");
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().contains("--precision: 'fp8' is not fp32 or bf16"), bad.err());
    }

    @Test
    void kvCacheBf16RunsDenseModelsAndIsRefusedForW8ASpikeAndUnknownNames() {
        String model = TINY.resolve("f32").toString();
        Result bf16 = run("generate", "--model", model, "--ids", "1,2,3,4,5,6,7,8,9,10", "--max-tokens", "3", "--format", "ids",
                "--kv-cache", "BF16", "--verbose");
        assertEquals(0, bf16.status(), bf16.err());
        assertTrue(bf16.err().contains("key/value cache: bf16, "), bf16.err());
        assertEquals(3, bf16.out().strip().split("[,\\s]+").length, bf16.out());
        Result bad = run("generate", "--model", model, "--ids", "1,2", "--kv-cache", "fp8");
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().contains("--kv-cache must be f32 or bf16, got 'fp8'"), bad.err());
        Result w8 = run("generate", "--model", "src/test/resources/tiny-w8aspike", "--ids", "1,2", "--kv-cache", "bf16");
        assertNotEquals(0, w8.status(), w8.err());
        assertTrue(w8.err().contains("a W8ASpike model caches its int8-quantised keys and values exactly"), w8.err());
    }

    @Test
    void quantizeRunsDenseModelsOnTheCpuAndIsRefusedElsewhere() {
        String model = TINY.resolve("bf16-safetensors").toString();
        Result q4 = run("generate", "--model", model, "--ids", "1,2,3,4,5,6,7,8,9,10", "--max-tokens", "3", "--format", "ids",
                "--quantize", "Q4");
        assertEquals(0, q4.status(), q4.err());
        assertTrue(q4.err().contains("weights quantised to q4 at load: "), q4.err());
        assertEquals(3, q4.out().strip().split("[,\\s]+").length, q4.out());
        Result bad = run("generate", "--model", model, "--ids", "1,2", "--quantize", "q5");
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().contains("--quantize must be none, q8 or q4, got 'q5'"), bad.err());
        Result gpu = run("generate", "--model", model, "--ids", "1,2", "--quantize", "q8", "--device", "cuda");
        assertEquals(2, gpu.status(), gpu.err());
        assertTrue(gpu.err().contains("--quantize q8 runs on the CPU only"), gpu.err());
        Result w8 = run("generate", "--model", "src/test/resources/tiny-w8aspike", "--ids", "1,2", "--quantize", "q8");
        assertNotEquals(0, w8.status(), w8.err());
        assertTrue(w8.err().contains("a W8ASpike checkpoint is INT8 already"), w8.err());
    }
}
