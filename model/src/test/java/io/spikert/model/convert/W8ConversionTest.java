package io.spikert.model.convert;

import io.spikert.model.ModelConfig;
import io.spikert.model.ModelVariant;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static io.spikert.model.convert.ConvertFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** Base to W8 on a synthetic base model with hidden 128 (the tiny fixtures' 64 is not a group multiple). */
class W8ConversionTest {
    @TempDir
    static Path tmp;
    static Path src;
    static Path dst;
    static Captured cap = new Captured();

    @BeforeAll
    static void convert() throws IOException {
        src = tmp.resolve("base");
        SyntheticCheckpoint.write(src, new SyntheticCheckpoint.Dims(256, 128, 2, 2, 1, 256, 8), DType.BF16, 11, b -> { }, false);
        dst = tmp.resolve("w8");
        cap.converter().convert(new Converter.Options(src, dst, ConvertMode.W8, false));
    }

    @Test
    void saysTheScalesAreNotTheCalibratedOnes() {
        assertTrue(cap.out().contains("calibrated"), cap.out());
    }

    @Test
    void publishedLayoutWithAbsmaxScalesAndFullRankGate() throws IOException {
        ModelConfig c = ModelConfig.load(dst);
        try (var in = Checkpoints.open(src); var out = Checkpoints.open(dst)) {
            for (QuantLinears.Spec q : QuantLinears.used(c)) {
                Tensor s = out.tensor(q.prefix() + W8ASpikeFormat.SCALES);
                assertArrayEquals(new long[] {q.out(), q.groups(), 1}, s.shape(), q.prefix());
                Tensor w = out.tensor(q.prefix() + ".weight");
                assertEquals(DType.F32, w.dtype());
                for (int r = 0; r < q.out(); r++) {
                    for (int g = 0; g < q.groups(); g++) {
                        double max = 0;
                        for (int i = 0; i < 128; i++) {
                            max = Math.max(max, Math.abs((double) w.getFloat((long) r * q.in() + g * 128 + i)));
                        }
                        float scale = s.getFloat((long) r * q.groups() + g);
                        assertEquals(max / 127, scale, max / 127 * 1e-6, q.prefix() + " scale " + r + "," + g);
                        for (int i = 0; i < 128; i++) {
                            float code = (float) Math.rint(w.getFloat((long) r * q.in() + g * 128 + i) / scale);
                            assertTrue(Math.abs(code) <= 127, q.prefix() + " code " + code);
                        }
                    }
                }
            }
            // gk_proj = gk_proj.1 @ gk_proj.0 from the bf16 base, summed independently here.
            String a = "model.layers.0.attn.gk_proj";
            Tensor w0 = in.tensor(a + ".0.weight");
            Tensor w1 = in.tensor(a + ".1.weight");
            Tensor full = out.tensor(a + ".weight");
            int hidden = 128;
            int kv = c.kvDim();
            for (int r = 0; r < kv; r++) {
                for (int col = 0; col < hidden; col++) {
                    double sum = 0;
                    for (int j = 0; j < 16; j++) {
                        sum += (double) w1.getFloat(r * 16 + j) * w0.getFloat((long) j * hidden + col);
                    }
                    assertEquals(sum, full.getFloat((long) r * hidden + col), Math.abs(sum) * 1e-6 + 1e-12);
                }
            }
            assertArrayEquals(in.tensor(a + ".1.bias").toFloatArray(), out.tensor(a + ".bias").toFloatArray());
            assertFalse(out.contains(a + ".0.weight") || out.contains(a + ".1.weight"));
            // other weights: the bf16 values widened exactly
            assertArrayEquals(in.tensor("model.layers.1.mlp.down_proj.weight").toFloatArray(),
                    out.tensor("model.layers.1.mlp.down_proj.weight").toFloatArray());
            assertEquals(DType.F32, out.tensor("model.embeddings.weight").dtype());
        }
    }

    @Test
    void convertedModelLoadsAsW8ASpikeAndGivesFiniteLogits() throws IOException {
        try (var backend = new CpuBackend(2); var model = SpikingBrainModel.load(dst, backend)) {
            assertEquals(ModelVariant.W8ASPIKE, model.variant());
            float[] logits = model.newSession(4).prefill(new int[] {3, 1, 4, 1, 5, 9, 2, 6});
            assertEquals(256, logits.length);
            double sumSq = 0;
            for (float v : logits) {
                assertTrue(Float.isFinite(v));
                sumSq += v * v;
            }
            assertTrue(sumSq > 0);
        }
    }
}
