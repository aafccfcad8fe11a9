package io.spikert.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.KvPrecision;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Qwen2 (model_type {@code qwen2}) against golden logits from the independent float64 reference
 * (src/test/python/qwen2_ref.py, a whole-sequence causal-mask formulation; fixtures made by
 * make_qwen2_fixtures.py): a BF16 checkpoint sharded with an index and an untied lm_head, as Qwen2.5-7B is
 * published, and an F32 one with tied embeddings. Prefill in one chunk and in chunks, and token-by-token decode,
 * must all reproduce the reference; the context limit ({@code max_position_embeddings} 64 here) is enforced
 * before any token runs.
 */
class Qwen2GoldenLogitsTest {
    static final Path TINY = Path.of("src/test/resources/qwen2-tiny");
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

    static float[] golden(String name) throws IOException {
        return TestModels.floats(TINY.resolve("golden").resolve(name));
    }

    static float[] prefillAll(SpikingBrainModel model, int chunk) {
        int vocab = model.config().vocabSize();
        float[] all = new float[ids.length * vocab];
        try (Session s = model.newSession(chunk)) {
            s.prefill(ids, (i, logits, off) -> System.arraycopy(logits, off, all, i * vocab, vocab));
        }
        return all;
    }

    static float[] decodeAll(SpikingBrainModel model) {
        int vocab = model.config().vocabSize();
        float[] all = new float[ids.length * vocab];
        try (Session s = model.newSession()) {
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(s.decode(ids[i]), 0, all, i * vocab, vocab);
            }
        }
        return all;
    }

    static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        TestModels.assertRowsClose(expected, actual, ids.length, tolerance, what);
    }

    @Test
    void bf16ShardedCheckpointMatchesTheReference() throws IOException {
        float[] expected = golden("logits-bf16-sharded.bin");
        try (var model = SpikingBrainModel.load(TINY.resolve("bf16-sharded"), backend)) {
            assertEquals(Architecture.QWEN2, model.config().architecture());
            assertEquals(ModelVariant.BASE, model.variant());
            assertEquals(3, model.config().swaLayerCount(), "every Qwen2 layer is softmax attention");
            assertEquals(64, model.config().contextLimit());
            assertEquals(List.of(510), model.config().eosTokenIds());
            assertClose(expected, prefillAll(model, 64), 1e-5, "prefill, one chunk");
            assertClose(expected, prefillAll(model, 7), 1e-5, "prefill, chunks of 7");
            assertClose(expected, decodeAll(model), 1e-5, "decode");
        }
    }

    /**
     * A BF16 key/value cache against the reference that rounds keys (after RoPE) and values to BF16 the same way
     * (qwen2_ref.bf16_cache). The rounding moves the logits by 1e-3 to 3e-3 (relative) from the F32 cache's; the
     * runtime must stay within 1e-4 of the rounding reference, where a rare key computed in float32 on the other
     * side of a BF16 midpoint from the float64 reference's may round the other way.
     */
    @Test
    void bf16KeyValueCacheMatchesTheReferenceThatRoundsTheCache() throws IOException {
        float[] expected = golden("logits-bf16-sharded-kv-bf16.bin");
        float[] f32Cache = golden("logits-bf16-sharded.bin");
        assertTrue(TestModels.relativeError(expected, 0, f32Cache, 0, expected.length) > 1e-3,
                "the fixture must tell the two caches apart");
        try (var f32 = SpikingBrainModel.load(TINY.resolve("bf16-sharded"), backend);
             var model = SpikingBrainModel.load(TINY.resolve("bf16-sharded"), backend,
                     LoadOptions.defaults().withKvCache(KvPrecision.BF16));
             Session half = model.newSession(); Session full = f32.newSession()) {
            assertClose(expected, prefillAll(model, 64), 1e-4, "bf16 cache, prefill in one chunk");
            assertClose(expected, prefillAll(model, 7), 1e-4, "bf16 cache, prefill in chunks of 7");
            assertClose(expected, decodeAll(model), 1e-4, "bf16 cache, decode");
            assertEquals(full.stateBytes(), 2 * half.stateBytes(),
                    "a Qwen2 session's state is its key/value cache: half the bytes at BF16");
        }
    }

    @Test
    void tiedF32CheckpointMatchesTheReference() throws IOException {
        try (var model = SpikingBrainModel.load(TINY.resolve("tied-f32"), backend)) {
            assertTrue(model.config().tieWordEmbeddings());
            assertClose(golden("logits-tied-f32.bin"), prefillAll(model, 16), 1e-5, "tied f32 prefill");
        }
    }

    /** The reference attends every earlier key: a model that forgot far keys (a ring too small) would drift here. */
    @Test
    void laterTokensDependOnTheFirst() throws IOException {
        try (var model = SpikingBrainModel.load(TINY.resolve("bf16-sharded"), backend); Session a = model.newSession();
             Session b = model.newSession()) {
            int[] other = ids.clone();
            other[0] = (other[0] + 1) % model.config().vocabSize();
            float[] la = a.prefill(ids).clone();
            float[] lb = b.prefill(other);
            assertFalse(Arrays.equals(la, lb), "the last token's logits must see the first token");
        }
    }

    @Test
    void theContextLimitIsEnforcedBeforeAnyTokenRuns() throws IOException {
        int[] full = new int[64];
        for (int i = 0; i < full.length; i++) {
            full[i] = ids[i % ids.length];
        }
        try (var model = SpikingBrainModel.load(TINY.resolve("bf16-sharded"), backend)) {
            try (Session s = model.newSession(16)) {
                s.prefill(full);
                var e = assertThrows(ContextLimitException.class, () -> s.decode(ids[0]));
                assertEquals(64, e.position());
                assertEquals(64, e.limit());
                assertTrue(e.getMessage().contains("context limit of 64"), e.getMessage());
                assertEquals(64, s.position(), "a refused token leaves the session where it was");
            }
            try (Session s = model.newSession(16)) {
                int[] tooMany = Arrays.copyOf(full, 65);
                assertThrows(ContextLimitException.class, () -> s.prefill(tooMany));
                assertEquals(0, s.position(), "nothing of a refused prompt runs");
                float[] logits = s.prefill(Arrays.copyOf(full, ids.length));
                float[] expected = golden("logits-bf16-sharded.bin");
                int vocab = logits.length;
                assertTrue(TestModels.relativeError(logits, 0, expected, (ids.length - 1) * vocab, vocab) < 1e-5,
                        "the session runs as new after the refusal");
            }
            try (BatchDecoder d = model.newBatchDecoder(2); Session s = model.newSession(16)) {
                s.prefill(full);
                assertThrows(ContextLimitException.class, () -> d.step(List.of(s), List.of(new int[] {ids[0]})));
                assertEquals(64, s.position());
            }
        }
        try (var model = SpikingBrainModel.load(TINY.resolve("bf16-sharded"), backend,
                LoadOptions.defaults().withContextLimit(100)); Session s = model.newSession(16)) {
            assertEquals(100, model.config().contextLimit());
            s.prefill(full);
            s.prefill(Arrays.copyOf(full, 36));
            assertEquals(100, s.position());
            assertThrows(ContextLimitException.class, () -> s.decode(ids[0]));
        }
    }

    @Test
    void unsupportedQwen2OptionsAreRefusedNamingTheKey(@TempDir Path tmp) throws IOException {
        refused(tmp.resolve("sliding"), "use_sliding_window", c -> c.put("use_sliding_window", true));
        refused(tmp.resolve("yarn"), "rope_scaling", c -> c.putObject("rope_scaling").put("type", "yarn").put("factor", 4.0));
        refused(tmp.resolve("eps"), "rms_norm_eps", c -> c.put("rms_norm_eps", 1.0));
        refused(tmp.resolve("type"), "model_type", c -> c.put("model_type", "llama"));
        var e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.load(TestModels.write(tmp.resolve("sb"),
                TestModels.SMALL, io.spikert.runtime.DType.F32)).withContextLimit(10));
        assertTrue(e.getMessage().contains("Qwen2"), e.getMessage());
    }

    private static void refused(Path dir, String key, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Files.createDirectories(dir);
        var mapper = new ObjectMapper();
        ObjectNode config = (ObjectNode) mapper.readTree(TINY.resolve("tied-f32/config.json").toFile());
        edit.accept(config);
        mapper.writeValue(dir.resolve("config.json").toFile(), config);
        var e = assertThrows(CheckpointException.class, () -> ModelConfig.load(dir), key);
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("config.json").toString()), e.getMessage());
    }
}
