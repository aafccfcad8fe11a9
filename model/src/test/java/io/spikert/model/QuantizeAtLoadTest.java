package io.spikert.model;

import io.spikert.kernels.QuantFormat;
import io.spikert.kernels.QuantScalar;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.ForwardingBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link LoadOptions#quantize}: a model loaded with q8 or q4 weights gives, bit for bit, the logits of the same
 * model whose projection weights were replaced by their dequantised values in an F32 checkpoint, made here by the
 * formats' scalar definition ({@link QuantScalar}); prefill over chunks and token-by-token decode both. Covers
 * SpikingBrain (BF16 and F32 stored; the base GLA gate's rank-16 up-projection stays as stored) and Qwen2 (untied
 * BF16 shards, and tied embeddings: lm_head a quantised copy of the table, the lookup reading the table as stored).
 */
class QuantizeAtLoadTest {
    @TempDir
    static Path tmp;
    static CpuBackend backend;

    @BeforeAll
    static void open() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    /** Whether the loader quantises this tensor: a 2-D projection weight with whole groups of 32 inputs (not a table). */
    private static boolean quantized(Tensor t) {
        return t.rank() == 2 && t.name().endsWith(".weight") && !t.name().equals("model.embed_tokens.weight")
                && !t.name().equals("model.embeddings.weight") && t.dim(1) % QuantFormat.GROUP == 0;
    }

    /** An F32 tensor of {@code t}'s values quantised and dequantised by the formats' definition. */
    private static Tensor dequantized(String name, Tensor t, QuantFormat f) {
        int rows = (int) t.dim(0), cols = (int) t.dim(1);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = t.getFloat(i);
        }
        float[] d = QuantScalar.quantize(w, rows, cols, f).dequantized();
        var seg = Arena.ofAuto().allocate(4L * d.length);
        for (int i = 0; i < d.length; i++) {
            seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, d[i]);
        }
        return new Tensor(name, DType.F32, new long[] {rows, cols}, seg);
    }

    /** The reference checkpoint: every tensor the loader quantises replaced by its dequantised F32 values. */
    private static Path reference(Path src, QuantFormat f, boolean tied) throws IOException {
        Path dst = tmp.resolve(src.getFileName() + "-" + src.getParent().getFileName() + "-" + f);
        final Tensor[] table = new Tensor[1];
        CheckpointEdits.copy(src, dst, t -> {
            if (t.name().equals("model.embed_tokens.weight")) {
                table[0] = t;
            }
            return quantized(t) ? dequantized(t.name(), t, f) : t;
        });
        if (tied) {
            // tied embeddings: the quantised head is a copy of the table; here an explicit lm_head of its values
            Path untied = tmp.resolve(dst.getFileName() + "-head");
            try (var ckpt = Checkpoints.open(src)) {
                Tensor embed = ckpt.tensor("model.embed_tokens.weight");
                Tensor head = dequantized("lm_head.weight", embed, f);
                CheckpointEdits.copyAdding(dst, untied, head);
            }
            return untied;
        }
        return dst;
    }

    private static float[][] logits(SpikingBrainModel model, int[] prompt, int[] next) {
        int vocab = model.config().vocabSize();
        float[] prefill = new float[prompt.length * vocab];
        float[] decode = new float[(prompt.length + next.length) * vocab];
        try (Session s = model.newSession(8)) {
            s.prefill(prompt, (i, l, off) -> System.arraycopy(l, off, prefill, i * vocab, vocab));
        }
        try (Session s = model.newSession()) {
            int i = 0;
            for (int id : prompt) {
                System.arraycopy(s.decode(id), 0, decode, i++ * vocab, vocab);
            }
            for (int id : next) {
                System.arraycopy(s.decode(id), 0, decode, i++ * vocab, vocab);
            }
        }
        return new float[][] {prefill, decode};
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "tiny/bf16-safetensors, Q4, false", "tiny/bf16-safetensors, Q8, false", "tiny/f32, Q4, false",
            "qwen2-tiny/bf16-sharded, Q4, false", "qwen2-tiny/bf16-sharded, Q8, false", "qwen2-tiny/tied-f32, Q4, true",
    })
    void logitsAreThoseOfTheDequantisedWeights(String folder, QuantFormat f, boolean tied) throws IOException {
        Path src = Path.of("src/test/resources").resolve(folder);
        WeightQuantization q = WeightQuantization.valueOf(f.name());
        try (var quant = SpikingBrainModel.load(src, backend, LoadOptions.defaults().withQuantize(q));
             var ref = SpikingBrainModel.load(reference(src, f, tied), backend)) {
            int vocab = quant.config().vocabSize();
            int[] prompt = TestModels.ids(19, vocab, 5);
            int[] next = TestModels.ids(4, vocab, 6);
            float[][] a = logits(quant, prompt, next);
            float[][] b = logits(ref, prompt, next);
            assertArrayEquals(b[0], a[0], folder + " " + f + ": prefill logits");
            assertArrayEquals(b[1], a[1], folder + " " + f + ": decode logits");

            QuantizationSummary s = quant.quantization();
            assertEquals(q, s.quantization());
            int expected = 0;
            long bytes = 0;
            try (var ckpt = Checkpoints.open(src)) {
                for (String n : ckpt.names()) {
                    Tensor t = ckpt.tensor(n);
                    if (quantized(t)) {
                        expected++;
                        bytes += f.bytes((int) t.dim(0), (int) t.dim(1));
                    }
                }
                if (tied) {
                    Tensor e = ckpt.tensor("model.embed_tokens.weight");
                    expected++;
                    bytes += f.bytes((int) e.dim(0), (int) e.dim(1));
                }
            }
            assertEquals(expected, s.matrices(), s.describe());
            assertEquals(bytes, s.quantizedBytes(), s.describe());
            assertTrue(s.quantizedBytes() < s.storedBytes(), s.describe());
            boolean gla = quant.config().architecture() == Architecture.SPIKINGBRAIN;
            assertEquals(gla ? quant.config().numLayers() - quant.config().swaLayerCount() : 0, s.keptAsStored(),
                    "only the GLA gates' rank-16 up-projections keep their stored form: " + s.describe());
        }
    }

    @Test
    void aW8ASpikeCheckpointIsRefusedNamingTheFolder() {
        Path w8 = W8ASpikeGoldenTest.DIR;
        var e = assertThrows(CheckpointException.class,
                () -> SpikingBrainModel.load(w8, backend, LoadOptions.defaults().withQuantize(WeightQuantization.Q4)).close());
        assertTrue(e.getMessage().contains(w8.toString()) && e.getMessage().contains("W8ASpike")
                && e.getMessage().contains("q4"), e.getMessage());
    }

    @Test
    void aNonFiniteWeightIsNamedWithItsTensorAndPosition() throws IOException {
        Path src = Path.of("src/test/resources/tiny/f32");
        Path bad = CheckpointEdits.copy(src, tmp.resolve("nan"), t -> t.name().equals("model.layers.1.mlp.up_proj.weight")
                ? CheckpointEdits.set(t, 2L * t.dim(1) + 3, Float.NaN) : t);
        var e = assertThrows(CheckpointException.class,
                () -> SpikingBrainModel.load(bad, backend, LoadOptions.defaults().withQuantize(WeightQuantization.Q8)).close());
        assertTrue(e.getMessage().contains("model.layers.1.mlp.up_proj.weight") && e.getMessage().contains("row 2, column 3")
                && e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void aBackendWithoutQuantisedProductsIsRefusedBeforeTheLoad() {
        var noQuant = new ForwardingBackend(backend) {
            @Override
            public boolean multipliesQuantizedWeights() {
                return false;
            }

            @Override
            public void close() {
                // the shared backend stays open for the other tests
            }
        };
        var e = assertThrows(IllegalArgumentException.class, () -> SpikingBrainModel.load(Path.of("no-such-folder"),
                noQuant, LoadOptions.defaults().withQuantize(WeightQuantization.Q4)).close());
        assertTrue(e.getMessage().contains("multiplies no q4 weights"), e.getMessage());
    }
}
