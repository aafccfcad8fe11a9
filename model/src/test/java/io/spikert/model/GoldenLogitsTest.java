package io.spikert.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.runtime.Precision;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.VendorMath;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Logits against golden values from the independent float64 numpy reference
 * (src/test/python/spikingbrain_ref.py, written from MODEL.md; fixtures made by make_tiny_fixtures.py).
 * The tiny model crosses its window (6) and the prefill chunk size many times in 40 tokens.
 */
class GoldenLogitsTest {
    static final Path TINY = Path.of("src/test/resources/tiny");
    static CpuBackend backend;
    static int[] ids;

    @BeforeAll
    static void setUp() throws IOException {
        backend = new CpuBackend(2);
        ids = new ObjectMapper().readValue(TINY.resolve("golden/ids.json").toFile(), int[].class);
    }

    @AfterAll
    static void tearDown() {
        backend.close();
    }

    static float[] golden(String file) throws IOException {
        return TestModels.floats(TINY.resolve("golden").resolve(file));
    }

    static float[] prefillAll(Path dir, int chunk) throws IOException {
        return prefillAll(dir, chunk, backend);
    }

    static float[] prefillAll(Path dir, int chunk, CpuBackend backend) throws IOException {
        try (var model = SpikingBrainModel.load(dir, backend)) {
            int vocab = model.config().vocabSize();
            float[] all = new float[ids.length * vocab];
            model.newSession(chunk).prefill(ids, (i, logits, off) -> System.arraycopy(logits, off, all, i * vocab, vocab));
            return all;
        }
    }

    static float[] decodeAll(Path dir) throws IOException {
        try (var model = SpikingBrainModel.load(dir, backend)) {
            int vocab = model.config().vocabSize();
            float[] all = new float[ids.length * vocab];
            Session s = model.newSession();
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(s.decode(ids[i]), 0, all, i * vocab, vocab);
            }
            return all;
        }
    }

    static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        TestModels.assertRowsClose(expected, actual, ids.length, tolerance, what);
    }

    @Test
    void f32PrefillMatchesReference() throws IOException {
        float[] expected = golden("logits-f32.bin");
        assertClose(expected, prefillAll(TINY.resolve("f32"), 64), 1e-5, "f32 prefill, one chunk");
        assertClose(expected, prefillAll(TINY.resolve("f32"), 7), 1e-5, "f32 prefill, chunks of 7");
    }

    @Test
    void f32DecodeMatchesReference() throws IOException {
        assertClose(golden("logits-f32.bin"), decodeAll(TINY.resolve("f32")), 1e-5, "f32 decode");
    }

    @Test
    void bf16SafetensorsMatchesReference() throws IOException {
        assertClose(golden("logits-bf16.bin"), prefillAll(TINY.resolve("bf16-safetensors"), 16), 1e-5, "bf16 safetensors");
    }

    /**
     * {@code --precision bf16}: every product over several tokens takes its activations rounded to BF16. The
     * reference rounds the input of every product the same way (its float64 value through float32, then to the
     * nearest BF16, ties to even). Tolerance 2e-4 relative: an FP32 activation a few ulps from the float64 one
     * rounds to the other BF16 neighbour only when it lies within those ulps of a rounding midpoint (a few in
     * 10^5 activations here), against a relative change of ~2e-3 that the rounding itself makes (checked below,
     * so the test cannot pass with the option ignored). Both paths: oneDNN's (chunks of 40, 16 and 7; the last
     * chunk of 7 leaves 5 tokens) where the library is found, and the Vector API's (the backend with the library
     * off, and every product in the module's second pass, which hides the library).
     */
    @Test
    void bf16ActivationPrefillMatchesItsReference() throws IOException {
        float[] expected = golden("logits-bf16-activations.bin");
        Path dir = TINY.resolve("bf16-safetensors");
        Tuning off = Tuning.defaults().withVendorMath(VendorMath.OFF);
        try (CpuBackend auto = new CpuBackend(2).precision(Precision.BF16);
             CpuBackend vectorApi = new CpuBackend(2, off).precision(Precision.BF16)) {
            float[] whole = prefillAll(dir, 40, auto);
            assertClose(expected, whole, 2e-4, "bf16 activations, one chunk (" + auto.vendorMath() + ")");
            assertClose(expected, prefillAll(dir, 16, auto), 2e-4, "bf16 activations, chunks of 16");
            assertClose(expected, prefillAll(dir, 7, auto), 2e-4, "bf16 activations, chunks of 7");
            assertClose(expected, prefillAll(dir, 40, vectorApi), 2e-4, "bf16 activations, Vector API");
            float[] fp32 = golden("logits-bf16.bin");
            int vocab = expected.length / ids.length;
            double moved = 0;
            for (int t = 0; t < ids.length; t++) {
                moved = Math.max(moved, TestModels.relativeError(whole, t * vocab, fp32, t * vocab, vocab));
            }
            assertTrue(moved > 5e-4, "bf16 activations must move the logits off the fp32-activation reference; moved " + moved);
        }
    }

    @Test
    void bf16BinAndSafetensorsGiveIdenticalWeightsAndLogits() throws IOException {
        try (var bin = Checkpoints.open(TINY.resolve("bf16-bin")); var st = Checkpoints.open(TINY.resolve("bf16-safetensors"))) {
            assertEquals(st.names(), bin.names());
            for (String name : st.names()) {
                Tensor a = st.tensor(name);
                Tensor b = bin.tensor(name);
                assertEquals(a.dtype(), b.dtype(), name);
                assertArrayEquals(a.shape(), b.shape(), name);
                assertEquals(-1, a.data().mismatch(b.data()), name + ": same bytes through both readers");
            }
        }
        float[] bin = prefillAll(TINY.resolve("bf16-bin"), 16);
        float[] st = prefillAll(TINY.resolve("bf16-safetensors"), 16);
        // Same weights, same kernels, whichever tier runs them: the same bits.
        for (int i = 0; i < st.length; i++) {
            assertEquals(Float.floatToRawIntBits(st[i]), Float.floatToRawIntBits(bin[i]), "logit " + i + ": " + st[i] + " vs " + bin[i]);
        }
        assertClose(golden("logits-bf16.bin"), bin, 1e-5, "bf16 .bin");
    }
}
