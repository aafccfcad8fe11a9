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

/** Token-by-token decode (recurrent GLA, one ring write per token) must reproduce batched chunked prefill. */
class DecodePrefillParityTest {
    @TempDir
    static Path dir;
    static CpuBackend backend;
    static SpikingBrainModel model;

    @BeforeAll
    static void load() throws IOException {
        TestModels.write(dir, TestModels.SMALL, DType.F32);
        backend = new CpuBackend(2);
        model = SpikingBrainModel.load(dir, backend);
    }

    @AfterAll
    static void close() {
        model.close();
        backend.close();
    }

    @Test
    void decodeMatchesChunkedPrefill() {
        int vocab = model.config().vocabSize();
        int[] ids = TestModels.ids(37, vocab, 1);
        float[] batched = new float[ids.length * vocab];
        model.newSession(8).prefill(ids, (i, logits, off) -> System.arraycopy(logits, off, batched, i * vocab, vocab));

        Session s = model.newSession();
        for (int i = 0; i < ids.length; i++) {
            float[] step = s.decode(ids[i]);
            double err = TestModels.relativeError(step, 0, batched, i * vocab, vocab);
            assertTrue(err < 1e-4, "token " + i + ": relative logit error " + err);
        }
        assertEquals(ids.length, s.position());
    }

    @Test
    void chunkSizeDoesNotChangeResults() {
        int vocab = model.config().vocabSize();
        int[] ids = TestModels.ids(50, vocab, 2);
        float[] a = model.newSession(64).prefill(ids).clone();
        float[] b = model.newSession(3).prefill(ids).clone();
        assertTrue(TestModels.relativeError(b, 0, a, 0, vocab) < 1e-4);
    }

    @Test
    void sessionsAreIndependent() {
        int vocab = model.config().vocabSize();
        int[] ids = TestModels.ids(20, vocab, 3);
        Session a = model.newSession();
        Session b = model.newSession();
        float[] first = a.prefill(ids).clone();
        b.prefill(TestModels.ids(11, vocab, 4));
        float[] again = model.newSession().prefill(ids);
        assertArrayEquals(first, again, 0f);
    }

    @Test
    void rejectsTokenIdsOutsideTheVocabulary() {
        Session s = model.newSession();
        var e = assertThrows(IllegalArgumentException.class, () -> s.prefill(new int[] {1, 300}));
        assertTrue(e.getMessage().contains("300"), e.getMessage());
        assertEquals(0, s.position(), "a rejected prompt leaves the session untouched");
    }
}
