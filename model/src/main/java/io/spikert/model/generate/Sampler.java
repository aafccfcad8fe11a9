package io.spikert.model.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token of one sequence by its {@link SamplingParams}, in vLLM's order:
 * <ol>
 *   <li>penalties, over the ids below {@code vocab}: repetition (prompt and generated tokens), then frequency, then
 *       presence (generated tokens only);</li>
 *   <li>at temperature 0: the argmax of those logits (the lowest id on ties), and nothing below applies;</li>
 *   <li>temperature: logits / T;</li>
 *   <li>min_p: drops tokens with probability below min_p times the largest;</li>
 *   <li>top_k: keeps the tokens whose logit is at least the k-th largest left (ties with it kept);</li>
 *   <li>top_p: over what is left, renormalised, keeps the tokens in descending order while the mass before each is
 *       below top_p (so at least one; ties with the last kept token are kept too);</li>
 *   <li>a draw from what is left, renormalised, with a generator seeded by {@code seed}.</li>
 * </ol>
 * The sampler remembers the sequence's tokens for the penalties: {@link #begin} gives it the prompt, and every token
 * it samples (or is told of by {@link #accept}) counts as generated. Not thread-safe: one per sequence.
 */
public final class Sampler {
    /** The chosen token, its log-probability and the most probable tokens of the same distribution, best first. */
    public record Choice(int token, float logprob, int[] topTokens, float[] topLogprobs) {}

    private static final double[] BOUNDS = {-16, -64, -256, Double.NEGATIVE_INFINITY};

    private final SamplingParams params;
    private final SplittableRandom random;
    private final TokenHistory history = new TokenHistory();
    private float[] penalized = new float[0];
    private double[] weights = new double[0];
    private double[] scratch = new double[0];

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    /** Draws from softmax(logits / temperature), greedy at 0; no filters or penalties. */
    public Sampler(float temperature, long seed) {
        this(SamplingParams.ofTemperature(temperature, seed));
    }

    public static Sampler greedy() {
        return new Sampler(SamplingParams.GREEDY);
    }

    public SamplingParams params() {
        return params;
    }

    /** Starts a sequence: forgets the tokens seen so far and records the prompt's, which repetition_penalty counts. */
    public void begin(int[] prompt) {
        if (params.penalized()) {
            history.reset(prompt);
        }
    }

    /** Records a token of the sequence that this sampler did not choose (the penalties count it as generated). */
    public void accept(int token) {
        if (params.penalized()) {
            history.addGenerated(token);
        }
    }

    /** Chooses the next token among the ids below {@code vocab} and records it. */
    public int sample(float[] logits, int vocab) {
        int token;
        if (params.greedy()) {
            token = argmax(penalize(logits, vocab), vocab);
        } else {
            double total = filter(penalize(logits, vocab), vocab);
            token = draw(total, vocab);
        }
        accept(token);
        return token;
    }

    /**
     * {@link #sample}, with the chosen token's log-probability and the {@code topN} most probable tokens (the lowest
     * id first on ties) of the distribution the draw used: after the penalties, temperature and filters (tokens the
     * filters dropped have -infinity). At temperature 0 the draw has no distribution, so the log-softmax of the
     * penalised logits stands in.
     */
    public Choice sampleWithLogprobs(float[] logits, int vocab, int topN) {
        if (topN < 0) {
            throw new IllegalArgumentException("top logprobs must be >= 0, got " + topN);
        }
        float[] x = penalize(logits, vocab);
        int token;
        double total;
        if (params.greedy()) {
            token = argmax(x, vocab);
            total = exponentiate(x, vocab, 1.0);
        } else {
            total = filter(x, vocab);
            token = draw(total, vocab);
        }
        accept(token);
        int n = Math.min(topN, vocab);
        int[] top = topWeights(vocab, n);
        float[] topLog = new float[n];
        for (int i = 0; i < n; i++) {
            topLog[i] = logprob(top[i], total);
        }
        return new Choice(token, logprob(token, total), top, topLog);
    }

    /** The logits after the penalties (step 1); the caller's array when no penalty applies. Does not record anything. */
    public float[] penalize(float[] logits, int vocab) {
        checkVocab(logits, vocab);
        if (!params.penalized() || history.seenCount() == 0) {
            return logits;
        }
        if (penalized.length < vocab) {
            penalized = new float[vocab];
        }
        System.arraycopy(logits, 0, penalized, 0, vocab);
        float rep = params.repetitionPenalty();
        float freq = params.frequencyPenalty();
        float presence = params.presencePenalty();
        for (int i = 0; i < history.seenCount(); i++) {
            int id = history.seen(i);
            if (id >= vocab) {
                continue;
            }
            float v = penalized[id];
            if (rep != 1f) {
                v = v > 0 ? v / rep : v * rep;
            }
            int count = history.generatedCount(id);
            if (count > 0) {
                v -= freq * count;
                v -= presence;
            }
            penalized[id] = v;
        }
        return penalized;
    }

    /**
     * The probabilities the next draw would use over the ids below {@code vocab} (steps 1-6, renormalised); at
     * temperature 0, 1 at the greedy token. Does not draw or record anything.
     */
    public double[] probabilities(float[] logits, int vocab) {
        float[] x = penalize(logits, vocab);
        double[] p = new double[vocab];
        if (params.greedy()) {
            p[argmax(x, vocab)] = 1;
            return p;
        }
        double total = filter(x, vocab);
        for (int i = 0; i < vocab; i++) {
            p[i] = weights[i] / total;
        }
        return p;
    }

    /** Index of the largest logit; the lowest index wins ties, and NaN never wins. */
    public static int argmax(float[] logits, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[i] > logits[best] || Float.isNaN(logits[best])) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Steps 3-6: fills {@code weights} with exp((x - max) / T) for the tokens kept and 0 for those dropped; returns
     * their sum (at least 1: the largest logit is always kept, with weight 1).
     */
    private double filter(float[] x, int vocab) {
        double total = exponentiate(x, vocab, params.temperature());
        if (params.minP() > 0) {
            double cut = params.minP(); // the largest weight is 1, so p_i < min_p * p_max is w_i < min_p
            total = 0;
            for (int i = 0; i < vocab; i++) {
                if (weights[i] < cut) {
                    weights[i] = 0;
                }
                total += weights[i];
            }
        }
        if (params.topK() > 0) {
            double kth = kthLargestWeight(vocab, params.topK());
            if (kth > 0) {
                total = dropBelow(kth, vocab);
            }
        }
        if (params.topP() < 1) {
            double last = lastWithinMass(vocab, params.topP() * total);
            total = dropBelow(last, vocab);
        }
        return total;
    }

    /** weights[i] = exp((x[i] - max) / t) for i below vocab; returns their sum. */
    private double exponentiate(float[] x, int vocab, double t) {
        if (weights.length < vocab) {
            weights = new double[vocab];
        }
        float max = x[argmax(x, vocab)];
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            double w = Math.exp((x[i] - (double) max) / t);
            weights[i] = Double.isNaN(w) ? 0 : w;
            total += weights[i];
        }
        return total;
    }

    private double dropBelow(double cut, int vocab) {
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            if (weights[i] < cut) {
                weights[i] = 0;
            }
            total += weights[i];
        }
        return total;
    }

    /**
     * The k-th largest positive weight, or 0 when fewer than k are positive. Weights are monotone in the scaled logits,
     * so this is top-k by logit; only the weights above a bound are sorted, the bound lowered until k are found.
     */
    private double kthLargestWeight(int vocab, int k) {
        for (double bound : BOUNDS) {
            int n = collectAbove(Math.exp(bound), vocab);
            if (n >= k) {
                Arrays.sort(scratch, 0, n);
                return scratch[n - k];
            }
        }
        return 0;
    }

    /**
     * The smallest weight that top-p keeps: walking the positive weights in descending order, a weight is kept while
     * the sum of those before it is below {@code mass}. Only weights above a bound are sorted, the bound lowered until
     * their sum reaches {@code mass} (then every weight below it has at least that much before it).
     */
    private double lastWithinMass(int vocab, double mass) {
        for (double bound : BOUNDS) {
            int n = collectAbove(Math.exp(bound), vocab);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += scratch[i];
            }
            if (sum < mass && bound != Double.NEGATIVE_INFINITY) {
                continue;
            }
            Arrays.sort(scratch, 0, n);
            double before = 0;
            double last = scratch[n - 1];
            for (int i = n - 1; i >= 0 && before < mass; i--) {
                last = scratch[i];
                before += scratch[i];
            }
            return last;
        }
        throw new AssertionError("the last bound collects every weight");
    }

    /** Copies the weights >= min(bound, every positive weight when bound is 0) into scratch; returns how many. */
    private int collectAbove(double bound, int vocab) {
        if (scratch.length < vocab) {
            scratch = new double[vocab];
        }
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            double w = weights[i];
            if (w > 0 && w >= bound) {
                scratch[n++] = w;
            }
        }
        return n;
    }

    /** A draw from the weights (their sum is {@code total}). */
    private int draw(double total, int vocab) {
        double u = random.nextDouble() * total;
        int last = 0;
        for (int i = 0; i < vocab; i++) {
            double w = weights[i];
            if (w > 0) {
                last = i;
                u -= w;
                if (u < 0) {
                    return i;
                }
            }
        }
        return last; // rounding left u at or slightly above zero
    }

    private float logprob(int token, double total) {
        return (float) Math.log(weights[token] / total);
    }

    /** The ids of the n largest weights, best first, the lowest id first on ties. */
    private int[] topWeights(int vocab, int n) {
        int[] top = new int[n];
        int size = 0;
        for (int i = 0; i < vocab && n > 0; i++) {
            double w = weights[i];
            if (size == n && !(w > weights[top[n - 1]])) {
                continue;
            }
            int at = size == n ? n - 1 : size++;
            while (at > 0 && w > weights[top[at - 1]]) {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = i;
        }
        return top;
    }

    private static void checkVocab(float[] logits, int vocab) {
        if (vocab < 1 || vocab > logits.length) {
            throw new IllegalArgumentException("vocab must be in [1, " + logits.length + "] (the logits' length), got " + vocab);
        }
    }
}
