package io.spikert.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.checkpoint.SafetensorsWriter;
import io.spikert.kernels.spike.SpikeCounts;
import io.spikert.runtime.DType;
import io.spikert.model.layers.SpikingLinear;
import io.spikert.runtime.backend.Activation;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.Spikes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The W8ASpike variant against golden values of the independent float64 reference
 * (src/test/python/w8aspike_ref.py, fixtures by make_w8aspike_fixtures.py), whose weights include
 * codes outside [-127, 127]. Issue tolerance: relative logit error at most 1e-3.
 */
class W8ASpikeGoldenTest {
    static final Path DIR = Path.of("src/test/resources/tiny-w8aspike");
    static CpuBackend backend;
    static int[] ids;

    @BeforeAll
    static void setUp() throws IOException {
        backend = new CpuBackend(2);
        ids = new ObjectMapper().readValue(DIR.resolve("golden/ids.json").toFile(), int[].class);
    }

    @AfterAll
    static void tearDown() {
        backend.close();
    }

    static float[] golden(String file) throws IOException {
        var buf = ByteBuffer.wrap(Files.readAllBytes(DIR.resolve("golden").resolve(file))).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(out);
        return out;
    }

    static void assertMatches(float[] expected, float k, boolean decode) throws IOException {
        assertMatches(expected, new LoadOptions(k), decode);
    }

    static void assertMatches(float[] expected, LoadOptions options, boolean decode) throws IOException {
        float k = options.spikeK();
        try (var model = SpikingBrainModel.load(DIR, backend, options)) {
            assertEquals(ModelVariant.W8ASPIKE, model.variant());
            int vocab = model.config().vocabSize();
            float[] got = new float[ids.length * vocab];
            Session s = model.newSession(16);
            if (decode) {
                for (int i = 0; i < ids.length; i++) {
                    System.arraycopy(s.decode(ids[i]), 0, got, i * vocab, vocab);
                }
            } else {
                s.prefill(ids, (i, logits, off) -> System.arraycopy(logits, off, got, i * vocab, vocab));
            }
            for (int t = 0; t < ids.length; t++) {
                double err = TestModels.relativeError(got, t * vocab, expected, t * vocab, vocab);
                assertTrue(err <= 1e-3, "k=" + k + (decode ? " decode" : " prefill") + ": token " + t + " relative logit error " + err);
            }
        }
    }

    @Test
    void prefillMatchesTheReferenceAtK3() throws IOException {
        assertMatches(golden("logits-k3.bin"), 3f, false);
    }

    @Test
    void decodeMatchesTheReferenceAtK3() throws IOException {
        assertMatches(golden("logits-k3.bin"), 3f, true);
    }

    @Test
    void eventDrivenKernelForcedMatchesTheReference() throws IOException {
        try (var sparseBackend = new CpuBackend(2).sparseFromSilentShare(0);
             var model = SpikingBrainModel.load(DIR, sparseBackend, new LoadOptions(3f))) {
            int vocab = model.config().vocabSize();
            float[] expected = golden("logits-k3.bin");
            float[] got = new float[ids.length * vocab];
            model.newSession(16).prefill(ids, (i, logits, off) -> System.arraycopy(logits, off, got, i * vocab, vocab));
            for (int t = 0; t < ids.length; t++) {
                double err = TestModels.relativeError(got, t * vocab, expected, t * vocab, vocab);
                assertTrue(err <= 1e-3, "event-driven kernel: token " + t + " relative logit error " + err);
            }
        }
    }

    @Test
    void floatFakeQuantisationTwinMatchesTheReferenceToo() throws IOException {
        assertMatches(golden("logits-k3.bin"), new LoadOptions(3f).withIntegerSpikes(false), false);
    }

    @Test
    void integerAndFakeQuantFormsAgreeToFloatRounding() throws IOException {
        float[][] logits = new float[2][];
        for (int form = 0; form < 2; form++) {
            try (var model = SpikingBrainModel.load(DIR, backend, new LoadOptions(3f).withIntegerSpikes(form == 0))) {
                logits[form] = model.newSession().prefill(ids).clone();
            }
        }
        assertTrue(TestModels.relativeError(logits[0], 0, logits[1], 0, logits[0].length) < 1e-5);
    }

    @Test
    void integerFormReportsItsKernelsAndSpikes() throws IOException {
        var seen = java.util.concurrent.ConcurrentHashMap.<String>newKeySet();
        var kernels = java.util.concurrent.ConcurrentHashMap.<io.spikert.runtime.backend.SpikeKernel>newKeySet();
        var options = new LoadOptions(3f).withSpikeObserver((name, counts, off, n, vth, kernel) -> {
            seen.add(name);
            kernels.add(kernel);
            assertTrue(vth > 0);
        });
        try (var model = SpikingBrainModel.load(DIR, backend, options)) {
            model.newSession().prefill(java.util.Arrays.copyOf(ids, 3));
        }
        assertTrue(seen.contains("model.layers.0.attn.gk_proj") && seen.contains("model.layers.3.mlp.up_proj")
                && seen.contains("model.layers.1.attn.o_proj"), seen.toString());
        assertFalse(seen.contains("model.layers.0.mlp.down_proj"), "down_proj is not spiked");
        assertFalse(kernels.isEmpty());
    }

    @Test
    void thresholdFactorIsAnOption() throws IOException {
        assertMatches(golden("logits-k2.bin"), 2f, false);
    }

    /** One QuantLinear with three groups per row: random, all-zero, exact-tie and outlier inputs. */
    @Test
    void quantLinearUnitCase(@TempDir Path dir) throws IOException {
        JsonNode j = new ObjectMapper().readTree(DIR.resolve("golden/quantlinear-k3.json").toFile());
        int out = j.get("weight").size();
        int in = j.get("weight").get(0).size();
        float k = (float) j.get("k").asDouble();
        try (var arena = Arena.ofShared()) {
            var w = arena.allocate((long) out * in * 4);
            var sc = arena.allocate((long) out * (in / 128) * 4);
            var b = arena.allocate(out * 4L);
            for (int r = 0; r < out; r++) {
                for (int c = 0; c < in; c++) {
                    w.setAtIndex(ValueLayout.JAVA_FLOAT, (long) r * in + c, (float) j.get("weight").get(r).get(c).asDouble());
                }
                for (int g = 0; g < in / 128; g++) {
                    sc.setAtIndex(ValueLayout.JAVA_FLOAT, (long) r * (in / 128) + g, (float) j.get("scales").get(r).get(g).get(0).asDouble());
                }
                b.setAtIndex(ValueLayout.JAVA_FLOAT, r, (float) j.get("bias").get(r).asDouble());
            }
            new SafetensorsWriter()
                    .add("ql.weight", DType.F32, new long[] {out, in}, w)
                    .add("ql.weight_quantizer.scales", DType.F32, new long[] {out, in / 128, 1}, sc)
                    .add("ql.bias", DType.F32, new long[] {out}, b)
                    .write(dir.resolve("model.safetensors"));
        }
        for (boolean integer : new boolean[] {true, false}) {
        try (var ckpt = Checkpoints.open(dir); var arena = Arena.ofShared(); var memory = backend.newMemory("test")) {
            var ql = (SpikingLinear) new WeightBinder(ckpt, arena, memory, new LoadOptions(k).withIntegerSpikes(integer))
                    .projection("ql", out, in, true);
            assertEquals(integer, ql.weights().toString().contains("Int8Weights"), ql.weights().toString());
            Floats xIn = memory.floats(in, "x");
            Floats yOut = memory.floats(out, "y");
            Spikes spikes = memory.spikes(1, in, "spikes");
            for (int t = 0; t < j.get("inputs").size(); t++) {
                float[] x = new float[in];
                for (int c = 0; c < in; c++) {
                    x[c] = (float) j.get("inputs").get(t).get(c).asDouble();
                }
                int[] counts = new int[in];
                float vth = SpikeCounts.encode(x, 0, in, k, counts, 0);
                assertEquals(j.get("vth").get(t).asDouble(), vth, 1e-6 * vth, "vth of input " + t);
                for (int c = 0; c < in; c++) {
                    assertEquals(j.get("counts").get(t).get(c).asInt(), counts[c], "count " + c + " of input " + t);
                }
                // the projection's forward: spike the input, the product, the bias
                backend.upload(x, 0, in, xIn);
                backend.spikeEncode(xIn, in, k, 1, spikes);
                backend.spikeLinear(ql.weights(), spikes, 1, yOut);
                backend.biasAct(yOut, ql.bias(), out, 1, Activation.NONE, 1f);
                float[] y = new float[out];
                backend.download(yOut, out, y, 0);
                for (int r = 0; r < out; r++) {
                    double expected = j.get("outputs").get(t).get(r).asDouble();
                    assertEquals(expected, y[r], 1e-5 * Math.max(1, Math.abs(expected)),
                            (integer ? "integer" : "fake-quant") + " output " + r + " of input " + t);
                }
            }
        }
        }
    }
}
