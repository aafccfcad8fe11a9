package io.spikert.server;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** Log-probabilities under the model's distribution softmax(logits) over the sampled vocabulary. */
final class Logprobs {
    /** Most alternatives a request may ask for (OpenAI's top_logprobs bound). */
    static final int MAX_TOP = 20;

    private Logprobs() {}

    /** The chosen token's log-probability and the {@code top} most likely tokens' (ties: lower id first). */
    static GenerationEvent.TokenLogprob of(float[] logits, int vocab, int chosen, int top, IntFunction<String> text) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[i] - max);
        }
        double logZ = max + Math.log(sum);
        int[] best = new int[Math.min(top, vocab)];
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            // insertion into the short sorted list of the best so far
            if (n < best.length || logits[i] > logits[best[n - 1]]) {
                int at = n < best.length ? n++ : n - 1;
                while (at > 0 && logits[i] > logits[best[at - 1]]) {
                    best[at] = best[at - 1];
                    at--;
                }
                best[at] = i;
            }
        }
        List<GenerationEvent.Alternative> alternatives = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            alternatives.add(new GenerationEvent.Alternative(text.apply(best[k]), logits[best[k]] - logZ));
        }
        return new GenerationEvent.TokenLogprob(text.apply(chosen), logits[chosen] - logZ, alternatives);
    }
}
