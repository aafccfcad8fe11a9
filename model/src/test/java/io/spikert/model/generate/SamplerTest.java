package io.spikert.model.generate;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The sampler's draws, seeds, greedy path, penalties' memory, logprobs and parameter checks. */
class SamplerTest {
    private static final float[] LOGITS = {1.2f, -0.3f, 2.5f, 0.7f, 2.1f, -1.8f, 0.1f, 1.9f, -0.9f, 0.4f};

    @Test
    void drawsFollowTheFilteredDistribution() {
        var params = SamplingParams.ofTemperature(0.9f, 11).withTopK(6).withTopP(0.9f).withMinP(0.05f);
        var sampler = new Sampler(params);
        double[] p = sampler.probabilities(LOGITS, LOGITS.length);
        int n = 40_000;
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < n; i++) {
            counts[sampler.sample(LOGITS, LOGITS.length)]++;
        }
        int kept = 0;
        for (int i = 0; i < LOGITS.length; i++) {
            if (p[i] == 0) {
                assertEquals(0, counts[i], "token " + i + " was filtered out but drawn");
            } else {
                kept++;
                double sigma = Math.sqrt(p[i] * (1 - p[i]) / n);
                assertEquals(p[i], counts[i] / (double) n, 5 * sigma, "frequency of token " + i);
            }
        }
        assertTrue(kept > 1 && kept < 6, "the filters keep some but not all of the top 6: " + kept);
    }

    @Test
    void theSameSeedGivesTheSameTokensAndAnotherSeedOthers() {
        var params = SamplingParams.ofTemperature(1.5f, 2026).withTopP(0.95f).withPresencePenalty(0.3f);
        int[] a = draws(new Sampler(params), 64);
        int[] b = draws(new Sampler(params), 64);
        int[] c = draws(new Sampler(params.withSeed(2027)), 64);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c), "seeds 2026 and 2027 gave the same 64 tokens");
    }

    private static int[] draws(Sampler s, int n) {
        s.begin(new int[] {1, 2});
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.sample(LOGITS, LOGITS.length);
        }
        return out;
    }

    @Test
    void greedyIsTheArgmaxAndPenaltiesMoveIt() {
        float[] tied = {0f, 3f, 1f, 3f};
        assertEquals(1, Sampler.greedy().sample(tied, 4), "ties go to the lowest id");
        assertEquals(2, Sampler.greedy().sample(LOGITS, LOGITS.length));
        assertSame(LOGITS, Sampler.greedy().penalize(LOGITS, LOGITS.length), "no penalty: the logits as they are");
        // presence 2 takes 2 off token 2 once generated: 2.5 - 2 = 0.5 < 2.1 (token 4)
        var s = new Sampler(SamplingParams.GREEDY.withPresencePenalty(2f));
        s.begin(new int[0]);
        assertEquals(2, s.sample(LOGITS, LOGITS.length));
        assertEquals(4, s.sample(LOGITS, LOGITS.length));
        assertEquals(7, s.sample(LOGITS, LOGITS.length));
        s.begin(new int[0]);
        assertEquals(2, s.sample(LOGITS, LOGITS.length), "begin forgets the previous sequence");
        // repetition counts the prompt: 2.5 / 1.25 = 2.0 < 2.1
        var r = new Sampler(SamplingParams.GREEDY.withRepetitionPenalty(1.25f));
        r.begin(new int[] {2});
        assertEquals(4, r.sample(LOGITS, LOGITS.length));
        assertEquals(2.5f, LOGITS[2], "the caller's logits are not changed");
    }

    @Test
    void onlyIdsBelowTheVocabularyAreSampled() {
        var s = new Sampler(SamplingParams.ofTemperature(3f, 5));
        for (int i = 0; i < 500; i++) {
            assertTrue(s.sample(LOGITS, 4) < 4);
        }
        assertThrows(IllegalArgumentException.class, () -> s.sample(LOGITS, 11));
        assertThrows(IllegalArgumentException.class, () -> s.sample(LOGITS, 0));
    }

    @Test
    void logprobsAreThoseOfTheDistributionDrawnFrom() {
        var params = SamplingParams.ofTemperature(0.8f, 3).withTopK(5);
        double[] p = new Sampler(params).probabilities(LOGITS, LOGITS.length);
        var s = new Sampler(params);
        var plain = new Sampler(params);
        for (int i = 0; i < 20; i++) {
            var c = s.sampleWithLogprobs(LOGITS, LOGITS.length, 7);
            assertEquals(plain.sample(LOGITS, LOGITS.length), c.token(), "logprobs do not change the draw");
            assertEquals(Math.log(p[c.token()]), c.logprob(), 1e-5);
            assertEquals(7, c.topTokens().length);
            Integer[] order = new Integer[LOGITS.length];
            Arrays.setAll(order, j -> j);
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            for (int j = 0; j < 7; j++) {
                assertEquals(order[j], c.topTokens()[j], "top token " + j);
                assertEquals((float) Math.log(p[order[j]]), c.topLogprobs()[j], 1e-5f);
            }
            assertEquals(Float.NEGATIVE_INFINITY, c.topLogprobs()[6], "top_k 5 dropped the 6th and 7th");
        }
        var g = Sampler.greedy().sampleWithLogprobs(LOGITS, LOGITS.length, 2);
        double z = 0;
        for (float l : LOGITS) {
            z += Math.exp(l);
        }
        assertEquals(2, g.token());
        assertEquals(2.5 - Math.log(z), g.logprob(), 1e-5, "greedy: the log-softmax of the logits");
        assertArrayEquals(new int[] {2, 4}, g.topTokens());
    }

    @Test
    void everyParameterIsCheckedByName() {
        var ok = SamplingParams.GREEDY;
        expectBad("temperature", () -> ok.withTemperature(-0.1f));
        expectBad("temperature", () -> ok.withTemperature(Float.NaN));
        expectBad("temperature", () -> ok.withTemperature(Float.POSITIVE_INFINITY));
        expectBad("top_k", () -> ok.withTopK(-2));
        expectBad("top_p", () -> ok.withTopP(0f));
        expectBad("top_p", () -> ok.withTopP(1.01f));
        expectBad("top_p", () -> ok.withTopP(Float.NaN));
        expectBad("min_p", () -> ok.withMinP(-0.01f));
        expectBad("min_p", () -> ok.withMinP(1.5f));
        expectBad("presence_penalty", () -> ok.withPresencePenalty(2.5f));
        expectBad("presence_penalty", () -> ok.withPresencePenalty(Float.NaN));
        expectBad("frequency_penalty", () -> ok.withFrequencyPenalty(-3f));
        expectBad("repetition_penalty", () -> ok.withRepetitionPenalty(0f));
        expectBad("repetition_penalty", () -> ok.withRepetitionPenalty(Float.POSITIVE_INFINITY));
        assertEquals(0, ok.withTopK(-1).topK(), "-1 is vLLM's 'no limit', stored as 0");
        assertEquals(1f, ok.withTopP(1f).topP());
        assertEquals(-2f, ok.withPresencePenalty(-2f).presencePenalty());
    }

    private static void expectBad(String parameter, Runnable r) {
        var e = assertThrows(SamplingParameterException.class, r::run);
        assertEquals(parameter, e.parameter());
        assertTrue(e.getMessage().startsWith(parameter + " must"), e.getMessage());
    }
}
