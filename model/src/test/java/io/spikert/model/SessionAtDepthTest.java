package io.spikert.model;

import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link SpikingBrainModel#newSessionAtDepth}: a session standing at a position without its prompt, holding state of
 * the size a prompt that long leaves (what decode at that depth reads), decoding from there, and refused past a
 * Qwen2 model's context limit.
 */
class SessionAtDepthTest {
    @TempDir
    static Path dir;
    static CpuBackend backend;

    @BeforeAll
    static void setUp() throws IOException {
        TestModels.write(dir, TestModels.SMALL, DType.F32);
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void tearDown() {
        backend.close();
    }

    @Test
    void aQwen2SessionAtDepthHoldsTheCacheOfThatManyTokensAndStopsAtTheLimit() throws IOException {
        try (var model = SpikingBrainModel.load(Qwen2GoldenLogitsTest.TINY.resolve("bf16-sharded"), backend)) {
            int limit = (int) model.config().contextLimit();
            int vocab = model.config().vocabSize();
            try (Session deep = model.newSessionAtDepth(limit - 3); Session real = model.newSession(16)) {
                real.prefill(TestModels.ids(limit - 3, vocab, 4));
                assertEquals(limit - 3, deep.position());
                assertEquals(real.snapshot().bytes(), deep.snapshot().bytes(), "the same keys and values held");
                float[] logits = deep.decode(1);
                assertEquals(vocab, logits.length);
                deep.decode(2);
                deep.decode(3);
                assertEquals(limit, deep.position());
                assertThrows(ContextLimitException.class, () -> deep.decode(4));
            }
            assertThrows(ContextLimitException.class, () -> model.newSessionAtDepth(limit + 1));
        }
    }

    @Test
    void aSpikingBrainSessionGoesAnyDepthInItsConstantState() throws IOException {
        try (var model = SpikingBrainModel.load(dir, backend); Session s = model.newSessionAtDepth(1L << 31);
             Session fresh = model.newSession()) {
            assertEquals(1L << 31, s.position());
            assertEquals(fresh.stateBytes(), s.stateBytes());
            s.decode(7);
            assertEquals((1L << 31) + 1, s.position());
        }
    }
}
