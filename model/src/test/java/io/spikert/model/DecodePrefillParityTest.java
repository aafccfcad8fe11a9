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
        assertArrayEquals(first, again, "the same prompt in a fresh session: the same bits");
    }

    @Test
    void sessionsOnSeveralThreadsShareOneModel() throws Exception {
        int vocab = model.config().vocabSize();
        int[][] prompts = {TestModels.ids(30, vocab, 11), TestModels.ids(25, vocab, 12), TestModels.ids(41, vocab, 13)};
        float[][] sequential = new float[prompts.length][];
        for (int i = 0; i < prompts.length; i++) {
            sequential[i] = model.newSession(8).prefill(prompts[i]).clone();
        }
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(3)) {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<float[]>>();
            for (int[] p : prompts) {
                futures.add(pool.submit(() -> {
                    Session s = model.newSession(8);
                    float[] last = null;
                    for (int id : p) {
                        last = s.decode(id);
                    }
                    return last.clone();
                }));
            }
            for (int i = 0; i < prompts.length; i++) {
                float[] got = futures.get(i).get();
                assertTrue(TestModels.relativeError(got, 0, sequential[i], 0, vocab) < 1e-4, "prompt " + i);
            }
        }
    }

    @Test
    void rejectsTokenIdsOutsideTheVocabulary() {
        Session s = model.newSession();
        var e = assertThrows(IllegalArgumentException.class, () -> s.prefill(new int[] {1, 300}));
        assertTrue(e.getMessage().contains("300"), e.getMessage());
        assertEquals(0, s.position(), "a rejected prompt leaves the session untouched");
    }
}
