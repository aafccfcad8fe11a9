package io.spikert.model;

import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.synthetic.SyntheticCheckpoint.RawValues;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Several sessions stepped together ({@link BatchDecoder}: one forward pass, one weight pass) give each
 * session the logits its own decode gives, and leave each state where its own decode leaves it: sessions
 * at different positions (one past the SWA window, so its ring has wrapped), a batch smaller than the
 * decoder's capacity, and after the batched steps each session goes on alone.
 */
class BatchDecoderTest {
    @TempDir
    static Path dir;
    /** W8ASpike needs widths in whole groups of 128; window 5, as TestModels.SMALL. */
    private static final SyntheticCheckpoint.Dims W8_DIMS = new SyntheticCheckpoint.Dims(300, 128, 4, 2, 1, 256, 5);

    private static Path checkpoint(String variant) throws IOException {
        Path d = dir.resolve(variant);
        if (!variant.equals("w8aspike")) {
            TestModels.write(d, TestModels.SMALL, DType.F32);
        } else {
            SyntheticCheckpoint.write(d, W8_DIMS, ModelVariant.W8ASPIKE, RawValues.BF16_AND_DOWN_CODES, DType.F32,
                    9, x -> { }, false);
        }
        return d;
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "w8aspike"})
    void batchedStepsMatchEachSessionsOwnDecode(String variant) throws IOException {
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(checkpoint(variant), cpu)) {
            int vocab = model.config().vocabSize();
            int[] promptLengths = {3, 11, 1}; // window 5: the 11-token session's ring has wrapped
            List<Session> batched = new ArrayList<>();
            List<Session> alone = new ArrayList<>();
            for (int i = 0; i < promptLengths.length; i++) {
                int[] prompt = TestModels.ids(promptLengths[i], vocab, 10 + i);
                Session a = model.newSession(4);
                Session b = model.newSession(4);
                a.prefill(prompt);
                b.prefill(prompt);
                batched.add(a);
                alone.add(b);
            }
            try (BatchDecoder decoder = model.newBatchDecoder(4)) {
                for (int step = 0; step < 4; step++) {
                    int[] ids = TestModels.ids(3, vocab, 100 + step);
                    float[] together = decoder.decode(batched, ids).clone();
                    for (int i = 0; i < ids.length; i++) {
                        float[] own = alone.get(i).decode(ids[i]);
                        double err = TestModels.relativeError(together, i * vocab, own, 0, vocab);
                        assertTrue(err < 1e-5, variant + " step " + step + " session " + i + ": relative logit error " + err);
                        assertEquals(alone.get(i).position(), batched.get(i).position());
                    }
                }
            }
            for (int i = 0; i < batched.size(); i++) {
                float[] next = batched.get(i).decode(7).clone();
                float[] own = alone.get(i).decode(7);
                assertTrue(TestModels.relativeError(next, 0, own, 0, vocab) < 1e-5, "session " + i + " alone after the batch");
            }
        }
    }

    /**
     * A mixed step: prompt chunks of two sessions in the same pass as another session's decode step (what a
     * server's continuous batching runs) leave every session where its own prefill or decode calls would, and
     * give the logits after each session's last token.
     */
    @ParameterizedTest
    @ValueSource(strings = {"base", "w8aspike"})
    void mixedStepsOfChunksAndDecodesMatchEachSessionsOwnCalls(String variant) throws IOException {
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(checkpoint(variant), cpu)) {
            int vocab = model.config().vocabSize();
            Session running = model.newSession(4);
            Session runningAlone = model.newSession(4);
            int[] history = TestModels.ids(7, vocab, 3);
            running.prefill(history);
            runningAlone.prefill(history);
            Session fresh = model.newSession(4);
            Session freshAlone = model.newSession(4);
            Session other = model.newSession(6);
            Session otherAlone = model.newSession(6);
            int[] prompt = TestModels.ids(7, vocab, 4); // two chunks: 4 tokens, then 3
            int[] otherPrompt = TestModels.ids(6, vocab, 5);
            try (BatchDecoder decoder = model.newBatchDecoder(12)) {
                // step 1 lists a chunk just before two decode steps: their last rows are adjacent (one logits product)
                int[][][] steps = {
                    {java.util.Arrays.copyOfRange(prompt, 0, 4), {11}, otherPrompt},
                    {java.util.Arrays.copyOfRange(prompt, 4, 7), {12}, {13}},
                    {{14}, {15}, {16}},
                };
                List<Session> together = List.of(fresh, running, other);
                List<Session> alone = List.of(freshAlone, runningAlone, otherAlone);
                for (int step = 0; step < steps.length; step++) {
                    float[] logits = decoder.step(together, List.of(steps[step])).clone();
                    for (int i = 0; i < 3; i++) {
                        int[] t = steps[step][i];
                        float[] own = t.length == 1 ? alone.get(i).decode(t[0]) : alone.get(i).prefill(t);
                        double err = TestModels.relativeError(logits, i * vocab, own, 0, vocab);
                        assertTrue(err < 1e-5, variant + " step " + step + " session " + i + ": relative logit error " + err);
                        assertEquals(alone.get(i).position(), together.get(i).position(), "step " + step + " session " + i);
                    }
                }
            }
        }
    }

    @Test
    void badMixedStepsAreRefusedBeforeAnythingRuns() throws IOException {
        try (var cpu = new CpuBackend(1); var model = SpikingBrainModel.load(checkpoint("mixed-refusals"), cpu);
             BatchDecoder decoder = model.newBatchDecoder(6)) {
            Session a = model.newSession(4);
            Session b = model.newSession(4);
            var chunk = assertThrows(IllegalArgumentException.class, () -> decoder.step(List.of(a, b), List.of(new int[] {1}, new int[5])));
            assertTrue(chunk.getMessage().contains("session 1") && chunk.getMessage().contains("at most 4"), chunk.getMessage());
            var rows = assertThrows(IllegalArgumentException.class,
                    () -> decoder.step(List.of(a, b), List.of(new int[4], new int[3])));
            assertTrue(rows.getMessage().contains("6 tokens"), rows.getMessage());
            var empty = assertThrows(IllegalArgumentException.class, () -> decoder.step(List.of(a, b), List.of(new int[] {1}, new int[0])));
            assertTrue(empty.getMessage().contains("session 1 has no tokens"), empty.getMessage());
            var badId = assertThrows(IllegalArgumentException.class,
                    () -> decoder.step(List.of(a, b), List.of(new int[] {1}, new int[] {2, 99999})));
            assertTrue(badId.getMessage().contains("99999") && badId.getMessage().contains("session 1"), badId.getMessage());
            var count = assertThrows(IllegalArgumentException.class, () -> decoder.step(List.of(a, b), List.of(new int[] {1})));
            assertTrue(count.getMessage().contains("2 sessions and 1 token lists"), count.getMessage());
            assertEquals(0, a.position(), "no refused step moved a session");
            assertEquals(0, b.position());
        }
    }

    @Test
    void badStepsAreRefusedBeforeAnythingRuns() throws IOException {
        try (var cpu = new CpuBackend(1); var model = SpikingBrainModel.load(checkpoint("refusals"), cpu);
             var other = SpikingBrainModel.load(dir.resolve("refusals"), cpu);
             BatchDecoder decoder = model.newBatchDecoder(2)) {
            Session a = model.newSession();
            Session b = model.newSession();
            a.prefill(new int[] {1, 2});
            var tooMany = assertThrows(IllegalArgumentException.class,
                    () -> decoder.decode(List.of(a, b, model.newSession()), new int[] {1, 2, 3}));
            assertTrue(tooMany.getMessage().contains("1 to 2 sessions"), tooMany.getMessage());
            var twice = assertThrows(IllegalArgumentException.class, () -> decoder.decode(List.of(a, a), new int[] {1, 2}));
            assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
            var foreign = assertThrows(IllegalArgumentException.class,
                    () -> decoder.decode(List.of(a, other.newSession()), new int[] {1, 2}));
            assertTrue(foreign.getMessage().contains("not a session of this model"), foreign.getMessage());
            var badId = assertThrows(IllegalArgumentException.class, () -> decoder.decode(List.of(a, b), new int[] {1, -4}));
            assertTrue(badId.getMessage().contains("-4"), badId.getMessage());
            assertEquals(2, a.position(), "no refused step moved a session");
            assertEquals(0, b.position());
        }
    }
}
