package io.spikert.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.checkpoint.SafetensorsWriter;
import io.spikert.model.layers.SpikeQuantizer;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
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
        try (var model = SpikingBrainModel.load(DIR, backend, new LoadOptions(k))) {
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
        try (var ckpt = Checkpoints.open(dir); var arena = Arena.ofShared()) {
            var ql = new WeightBinder(ckpt, arena).spiking("ql", out, in, true, k);
            for (int t = 0; t < j.get("inputs").size(); t++) {
                float[] x = new float[in];
                for (int c = 0; c < in; c++) {
                    x[c] = (float) j.get("inputs").get(t).get(c).asDouble();
                }
                float[] counts = new float[in];
                double vth = SpikeQuantizer.spikeCounts(x, 0, in, k, counts, 0);
                assertEquals(j.get("vth").get(t).asDouble(), vth, 1e-12 * Math.max(1, vth), "vth of input " + t);
                for (int c = 0; c < in; c++) {
                    assertEquals(j.get("counts").get(t).get(c).asInt(), (int) counts[c], "count " + c + " of input " + t);
                }
                float[] y = new float[out];
                ql.forward(backend, x, 0, 1, y, 0);
                for (int r = 0; r < out; r++) {
                    double expected = j.get("outputs").get(t).get(r).asDouble();
                    assertEquals(expected, y[r], 1e-5 * Math.max(1, Math.abs(expected)), "output " + r + " of input " + t);
                }
            }
        }
    }
}
