package io.spikert.model;

import io.spikert.model.generate.Generator;
import io.spikert.model.generate.Sampler;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class GeneratorTest {
    @Test
    void greedyGenerationEqualsArgmaxOfPrefillOverTheGrowingSequence(@TempDir Path dir) throws IOException {
        TestModels.write(dir, TestModels.SMALL, DType.F32);
        try (var backend = new CpuBackend(2); var model = SpikingBrainModel.load(dir, backend)) {
            int[] prompt = TestModels.ids(12, 300, 9);
            var streamed = new ArrayList<Integer>();
            var r = new Generator(Set.of()).generate(model.newSession(), prompt, 8, Sampler.greedy(), streamed::add);
            assertEquals(8, r.tokens().length);
            assertEquals(Generator.StopReason.MAX_TOKENS, r.stopReason());
            assertEquals(7, r.decodeSteps());
            int[] seq = java.util.Arrays.copyOf(prompt, prompt.length + 8);
            for (int i = 0; i < 8; i++) {
                // an independent path: a fresh batched prefill of everything so far
                float[] logits = model.newSession().prefill(java.util.Arrays.copyOf(seq, prompt.length + i));
                assertEquals(Sampler.argmax(logits, 300), r.tokens()[i], "token " + i);
                assertEquals(r.tokens()[i], streamed.get(i));
                seq[prompt.length + i] = r.tokens()[i];
            }
        }
    }

    @Test
    void stopsAtAStopTokenAndRespectsTheSamplingVocabulary(@TempDir Path dir) throws IOException {
        TestModels.write(dir, TestModels.SMALL, DType.F32);
        try (var backend = new CpuBackend(1); var model = SpikingBrainModel.load(dir, backend)) {
            int[] prompt = TestModels.ids(5, 300, 10);
            int first = new Generator(Set.of()).generate(model.newSession(), prompt, 1, Sampler.greedy(), id -> { }).tokens()[0];
            var r = new Generator(Set.of(first)).generate(model.newSession(), prompt, 10, Sampler.greedy(), id -> { });
            assertArrayEquals(new int[] {first}, r.tokens());
            assertEquals(Generator.StopReason.STOP_TOKEN, r.stopReason());
            var limited = new Generator(Set.of(), 7).generate(model.newSession(), prompt, 20, new Sampler(1.5f, 1), id -> { });
            for (int id : limited.tokens()) {
                assertTrue(id < 7, "sampled " + id + " outside the first 7 ids");
            }
        }
    }

    @Test
    void stopsWhenTheCallersConditionHoldsAndThePenaltiesSeeTheSequence(@TempDir Path dir) throws IOException {
        TestModels.write(dir, TestModels.SMALL, DType.F32);
        try (var backend = new CpuBackend(1); var model = SpikingBrainModel.load(dir, backend)) {
            int[] prompt = TestModels.ids(6, 300, 4);
            var seen = new ArrayList<Integer>();
            var r = new Generator(Set.of()).generate(model.newSession(), prompt, 10, Sampler.greedy(), seen::add,
                    () -> seen.size() == 3);
            assertEquals(3, r.tokens().length);
            assertEquals(Generator.StopReason.STOP_STRING, r.stopReason());
            // presence 2 and repetition 100 over the prompt: no greedy token repeats one seen before
            var params = io.spikert.model.generate.SamplingParams.GREEDY.withPresencePenalty(2f).withRepetitionPenalty(100f);
            var p = new Generator(Set.of()).generate(model.newSession(), prompt, 12, new Sampler(params), id -> { });
            var distinct = new java.util.HashSet<Integer>();
            for (int id : prompt) {
                distinct.add(id);
            }
            for (int id : p.tokens()) {
                assertTrue(distinct.add(id), "token " + id + " repeats despite the penalties: " + java.util.Arrays.toString(p.tokens()));
            }
        }
    }

    @Test
    void samplerIsGreedyAtZeroAndFollowsTheDistributionOtherwise() {
        float[] logits = {0f, 2f, 1f, (float) Math.log(4) + 2f};
        assertEquals(3, Sampler.greedy().sample(logits, 4));
        var s = new Sampler(1f, 123);
        int[] counts = new int[4];
        for (int i = 0; i < 20000; i++) {
            counts[s.sample(logits, 4)]++;
        }
        double z = 1 + Math.exp(2) + Math.exp(1) + 4 * Math.exp(2);
        assertEquals(4 * Math.exp(2) / z, counts[3] / 20000.0, 0.02);
        assertEquals(1 / z, counts[0] / 20000.0, 0.01);
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1f, 0));
    }
}
