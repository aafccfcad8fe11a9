package io.spikert.model.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.Architecture;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;

import static io.spikert.model.convert.ConvertFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code convert --to spikingbrain} on the tiny Qwen2 checkpoint, against the reference remapping
 * (src/test/python/qwen2_to_spikingbrain_ref.py, written from the report): the same tensor names and shapes, every
 * reused tensor byte for byte its Qwen2 source, the new gate tensors initialised as stated, the config's keys; the
 * output loads and runs as SpikingBrain. With every layer SWA and a window beyond the prompt, the converted model
 * computes exactly Qwen2's function, so its logits must match Qwen2's golden logits: the remapping moved every
 * weight to the place that uses it the same way.
 */
class SpikingBrainInitConversionTest {
    static final Path QWEN2 = Path.of("src/test/resources/qwen2-tiny/bf16-sharded");
    static final Path GOLDEN = Path.of("src/test/resources/qwen2-tiny/golden");

    @TempDir
    Path tmp;

    @Test
    void outputMatchesTheReferenceRemappingTensorForTensor() throws IOException {
        Path dst = tmp.resolve("sb-init");
        var cap = new Captured();
        cap.converter().convert(new Converter.Options(QWEN2, dst, ConvertMode.SPIKINGBRAIN, false));
        assertTrue(cap.out().contains("initialisation for continued training, not a trained"), cap.out());
        JsonNode expected = new ObjectMapper().readTree(GOLDEN.resolve("spikingbrain-init.json").toFile());
        try (Checkpoint in = Checkpoints.open(QWEN2); Checkpoint out = Checkpoints.open(dst)) {
            var names = new TreeSet<String>();
            for (JsonNode t : expected.get("tensors")) {
                String name = t.get("name").asText();
                names.add(name);
                Tensor b = out.tensor(name);
                long[] shape = new ObjectMapper().convertValue(t.get("shape"), long[].class);
                assertArrayEquals(shape, b.shape(), name);
                if (t.has("from")) {
                    Tensor a = in.tensor(t.get("from").asText());
                    assertEquals(a.dtype(), b.dtype(), name);
                    assertEquals(-1, MemorySegment.mismatch(a.data(), 0, a.byteSize(), b.data(), 0, b.byteSize()),
                            name + " is " + t.get("from").asText() + " byte for byte");
                } else {
                    checkInit(name, t.get("init").asText(), b);
                }
            }
            var written = new TreeSet<>(out.names());
            written.removeIf(n -> n.startsWith(io.spikert.model.checkpoint.AlignedSafetensors.PADDING_PREFIX));
            assertEquals(names, written, "exactly the reference's tensors");
        }
        JsonNode config = new ObjectMapper().readTree(dst.resolve("config.json").toFile());
        expected.get("config").fields().forEachRemaining(e ->
                assertEquals(e.getValue(), config.get(e.getKey()), "config.json " + e.getKey()));
        try (CpuBackend backend = new CpuBackend(2); var model = SpikingBrainModel.load(dst, backend); Session s = model.newSession()) {
            assertEquals(Architecture.SPIKINGBRAIN, model.config().architecture());
            float[] logits = s.prefill(ids());
            assertTrue(allFinite(logits), "the initialisation runs");
        }
        assertOnly(tmp, "sb-init");
    }

    /** All layers SWA, window 64 > the 40-token prompt: SpikingBrain's SWA layer is then Qwen2's attention layer. */
    @Test
    void withEveryLayerSwaTheInitialisationIsQwen2Itself() throws IOException {
        Path dst = tmp.resolve("sb-all-swa");
        new Captured().converter().convert(new Converter.Options(QWEN2, dst, ConvertMode.SPIKINGBRAIN, false, 64, "all"));
        float[] golden = floats(Files.readAllBytes(GOLDEN.resolve("logits-bf16-sharded.bin")));
        int[] ids = ids();
        try (CpuBackend backend = new CpuBackend(2); var model = SpikingBrainModel.load(dst, backend); Session s = model.newSession(16)) {
            assertEquals(3, model.config().swaLayerCount());
            int vocab = model.config().vocabSize();
            float[] all = new float[ids.length * vocab];
            s.prefill(ids, (i, l, off) -> System.arraycopy(l, off, all, i * vocab, vocab));
            for (int t = 0; t < ids.length; t++) {
                double err = relativeError(all, golden, t * vocab, vocab);
                assertTrue(err < 1e-5, "token " + t + " relative logit error " + err);
            }
        }
    }

    @Test
    void wrongSourcesAndLayerListsAreRefusedAndLeaveNothing() throws IOException {
        var e = assertThrows(ConvertException.class, () -> new Captured().converter().convert(new Converter.Options(
                Path.of("src/test/resources/tiny/f32"), tmp.resolve("a"), ConvertMode.SPIKINGBRAIN, false)));
        assertTrue(e.getMessage().contains("converts a Qwen2 checkpoint"), e.getMessage());
        e = assertThrows(ConvertException.class, () -> new Captured().converter().convert(new Converter.Options(
                QWEN2, tmp.resolve("b"), ConvertMode.W8, false)));
        assertTrue(e.getMessage().contains("--to spikingbrain"), e.getMessage());
        e = assertThrows(ConvertException.class, () -> new Captured().converter().convert(new Converter.Options(
                QWEN2, tmp.resolve("c"), ConvertMode.SPIKINGBRAIN, false, 4096, "1,7")));
        assertTrue(e.getMessage().contains("--swa-layers") && e.getMessage().contains("7"), e.getMessage());
        assertOnly(tmp);
    }

    private static void checkInit(String name, String init, Tensor t) {
        assertEquals(DType.BF16, t.dtype(), name + " in the source's dtype");
        float[] v = new float[(int) t.elementCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getFloat(i);
        }
        switch (init) {
            case "zeros" -> assertTrue(allEqual(v, 0f), name);
            case "ones" -> assertTrue(allEqual(v, 1f), name);
            case "xavier-uniform gain 2^-2.5" -> {
                long[] s = t.shape();
                double bound = Math.pow(2, -2.5) * Math.sqrt(6.0 / (s[0] + s[1]));
                double sum2 = 0;
                for (float x : v) {
                    assertTrue(Math.abs(x) <= bound * 1.01, name + ": " + x + " outside +-" + bound);
                    sum2 += (double) x * x;
                }
                double rms = Math.sqrt(sum2 / v.length);
                assertEquals(bound / Math.sqrt(3), rms, 0.1 * bound, name + ": the spread of a uniform in +-bound");
            }
            default -> fail("unknown init " + init);
        }
    }

    private static boolean allEqual(float[] v, float x) {
        for (float f : v) {
            if (f != x) {
                return false;
            }
        }
        return true;
    }

    private static boolean allFinite(float[] v) {
        return Arrays.stream(floatsToDoubles(v)).allMatch(Double::isFinite);
    }

    private static double[] floatsToDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static int[] ids() throws IOException {
        return new ObjectMapper().readValue(GOLDEN.resolve("ids.json").toFile(), int[].class);
    }

    private static float[] floats(byte[] bytes) {
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static double relativeError(float[] a, float[] b, int off, int n) {
        double num = 0;
        double den = 0;
        for (int i = off; i < off + n; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
