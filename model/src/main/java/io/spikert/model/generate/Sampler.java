package io.spikert.model.generate;

import java.util.SplittableRandom;

/** Picks the next token: greedy (argmax) at temperature 0, otherwise a draw from softmax(logits / T). */
public final class Sampler {
    private final float temperature;
    private final SplittableRandom random;

    public Sampler(float temperature, long seed) {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        this.temperature = temperature;
        this.random = new SplittableRandom(seed);
    }

    public static Sampler greedy() {
        return new Sampler(0f, 0L);
    }

    public int sample(float[] logits, int vocab) {
        if (temperature == 0f) {
            return argmax(logits, vocab);
        }
        float max = logits[argmax(logits, vocab)];
        double sum = 0;
        double[] p = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        double u = random.nextDouble() * sum;
        for (int i = 0; i < vocab; i++) {
            u -= p[i];
            if (u <= 0) {
                return i;
            }
        }
        return argmax(logits, vocab); // rounding left u slightly above zero
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
}
