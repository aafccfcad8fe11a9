package io.spikert.model;

import io.spikert.runtime.NumericalFaultException;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.generate.Generator;
import io.spikert.model.generate.Sampler;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * NaN and infinities in weights: named at load wherever the load reads the values anyway (norms, biases,
 * scales, quantised and widened weights); in the big mapped matrices by the opt-in full scan; and otherwise
 * stopped by the logits guard of generation, never printed as tokens or thrown from a kernel's range check.
 */
class NonFiniteWeightsTest {
    @TempDir
    static Path root;
    static Path base;
    static final Path W8 = Path.of("src/test/resources/tiny-w8aspike");
    static CpuBackend backend;

    @BeforeAll
    static void setUp() throws IOException {
        base = TestModels.write(root.resolve("base"), TestModels.SMALL, DType.BF16);
        backend = new CpuBackend(1);
    }

    @AfterAll
    static void tearDown() {
        backend.close();
    }

    /** A copy of {@code src} with {@code value} written at element {@code index} of tensor {@code name}. */
    private static Path poisoned(Path src, String dir, String name, long index, float value) throws IOException {
        return edited(src, dir, t -> t.name().equals(name) ? CheckpointEdits.set(t, index, value) : t);
    }

    private static Path edited(Path src, String dir, UnaryOperator<Tensor> edit) throws IOException {
        return CheckpointEdits.copy(src, root.resolve(dir), edit);
    }

    private static void refusedAtLoad(Path dir, LoadOptions options, String... parts) {
        var e = assertThrows(CheckpointException.class, () -> SpikingBrainModel.load(dir, backend, options).close());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
    }

    @Test
    void normsAndBiasesAreCheckedAtLoad() throws IOException {
        refusedAtLoad(poisoned(base, "norm-nan", "model.layers.1.attn_norm.weight", 7, Float.NaN), LoadOptions.defaults(),
                "model.layers.1.attn_norm.weight", "NaN", "index 7");
        refusedAtLoad(poisoned(base, "final-norm-inf", "model.norm.weight", 0, Float.POSITIVE_INFINITY), LoadOptions.defaults(),
                "model.norm.weight", "Infinity");
        refusedAtLoad(poisoned(base, "bias-inf", "model.layers.0.attn.q_proj.bias", 3, Float.NEGATIVE_INFINITY),
                LoadOptions.defaults(), "model.layers.0.attn.q_proj.bias", "-Infinity", "index 3");
        refusedAtLoad(poisoned(base, "gnorm-nan", "model.layers.0.attn.g_norm.weight", 1, Float.NaN), LoadOptions.defaults(),
                "model.layers.0.attn.g_norm.weight");
    }

    @Test
    void widenedF16WeightsAreCheckedAsTheyAreWidened() throws IOException {
        String name = "model.layers.2.mlp.up_proj.weight";
        Path dir = edited(base, "f16-inf", t -> t.name().equals(name)
                ? CheckpointEdits.set(CheckpointEdits.toF16(t), 64 + 5, Float.POSITIVE_INFINITY) : t);
        refusedAtLoad(dir, LoadOptions.defaults(), name, "Infinity", "row 1, column 5");
    }

    @Test
    void mappedMatricesAreFoundByTheFullScanAndOtherwiseStopGeneration() throws IOException {
        String name = "model.embeddings.weight";
        Path dir = poisoned(base, "embedding-nan", name, 64L * 42 + 9, Float.NaN);
        refusedAtLoad(dir, LoadOptions.defaults().withCheckWeights(true), name, "NaN", "row 42, column 9");
        try (var model = SpikingBrainModel.load(dir, backend)) { // not read at load without the scan
            int[] prompt = {1, 2, 42, 3};
            var e = assertThrows(NumericalFaultException.class, () -> new Generator(Set.of())
                    .generate(model.newSession(), prompt, 5, Sampler.greedy(), id -> fail("token " + id + " from NaN logits")));
            assertTrue(e.getMessage().contains("position 3 (id 3)") && e.getMessage().contains("non-finite"), e.getMessage());
            // every session checks its logits, whoever calls it: decode and the per-token prefill too
            var d = assertThrows(NumericalFaultException.class, () -> model.newSession().decode(42));
            assertTrue(d.getMessage().contains("position 0 (id 42)"), d.getMessage());
            int[] seen = {0};
            var p = assertThrows(NumericalFaultException.class,
                    () -> model.newSession().prefill(prompt, (index, logits, off) -> seen[0]++));
            assertTrue(p.getMessage().contains("position 2 (id 42)"), p.getMessage());
            assertEquals(2, seen[0], "the rows before the poisoned token reach the sink, the poisoned one does not");
            float[] clean = model.newSession().decode(7);
            for (int i = 0; i < 300; i++) {
                assertTrue(Float.isFinite(clean[i]), "a token that never reads the poisoned row runs");
            }
        }
        // the scan passes a clean checkpoint and changes nothing
        try (var checked = SpikingBrainModel.load(base, backend, LoadOptions.defaults().withCheckWeights(true));
             var plain = SpikingBrainModel.load(base, backend)) {
            int[] ids = TestModels.ids(9, 300, 3);
            float[] a = plain.newSession().prefill(ids).clone();
            float[] b = checked.newSession().prefill(ids);
            // same weights; a tolerance only because the JIT may compile the kernels between the two runs
            assertTrue(TestModels.relativeError(b, 0, a, 0, 300) < 1e-5);
        }
    }

    @Test
    void w8aSpikeQuantLinearWeightsAreCheckedInBothForms() throws IOException {
        String name = "model.layers.0.mlp.gate_proj.weight";
        Path dir = poisoned(W8, "w8-quant-nan", name, 128L * 3 + 100, Float.NaN);
        refusedAtLoad(dir, LoadOptions.defaults(), name, "NaN");
        // the float twin used to turn NaN into code 0 silently
        refusedAtLoad(dir, LoadOptions.defaults().withIntegerSpikes(false), name, "NaN", "row 3, column 100");
    }

    @Test
    void w8aSpikeNormInfinityIsRefusedAtLoadNotThrownFromTheSpikeCountCheck() throws IOException {
        // +Inf in a norm loaded, and every prefill threw IllegalArgumentException from Int8Weights.checkCount
        refusedAtLoad(poisoned(W8, "w8-norm-inf", "model.layers.0.mlp_norm.weight", 5, Float.POSITIVE_INFINITY),
                LoadOptions.defaults(), "model.layers.0.mlp_norm.weight", "Infinity", "index 5");
    }

    @Test
    void finiteButAbsurdWeightsFailTheStepWithANumericalFaultNamingTheProjection() throws IOException {
        // 1e30 is finite, so no load check can refuse it; its spike counts overflow the integer kernels' sums
        Path dir = poisoned(W8, "w8-norm-huge", "model.layers.0.attn_norm.weight", 5, 1e30f);
        try (var model = SpikingBrainModel.load(dir, backend)) {
            var e = assertThrows(NumericalFaultException.class, () -> model.newSession().prefill(new int[] {1, 2, 3}));
            assertTrue(e.getMessage().contains("model.layers.0.attn.q_proj") && e.getMessage().contains("spike count"),
                    e.getMessage());
        }
    }

    @Test
    void w8aSpikeRawMatricesAreFoundByTheScanAndOtherwiseStopGeneration() throws IOException {
        String name = "model.layers.1.mlp.down_proj.weight";
        Path dir = poisoned(W8, "w8-down-inf", name, 17, Float.POSITIVE_INFINITY);
        refusedAtLoad(dir, LoadOptions.defaults().withCheckWeights(true), name, "Infinity", "row 0, column 17");
        try (var model = SpikingBrainModel.load(dir, backend)) {
            assertThrows(NumericalFaultException.class, () -> new Generator(Set.of())
                    .generate(model.newSession(), new int[] {1, 7, 300}, 3, Sampler.greedy(), id -> fail("token " + id)));
        }
        refusedAtLoad(poisoned(W8, "w8-down-scale-nan", "model.layers.1.mlp.down_proj.weight_quantizer.scales", 2, Float.NaN),
                LoadOptions.defaults(), "model.layers.1.mlp.down_proj.weight_quantizer.scales", "NaN");
    }
}
