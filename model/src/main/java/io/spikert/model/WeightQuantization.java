package io.spikert.model;

import io.spikert.kernels.QuantFormat;

import java.util.Locale;

/**
 * Whether a dense model's projection weights are quantised at load, weight-only, to a {@link QuantFormat} (groups of
 * 32 input columns with one scale each, after llama.cpp's Q8_0 and Q4_0): q8 keeps 56% of BF16's bytes, q4 31%
 * (one F32 scale per 32 weights included), and the activations stay float. Every projection whose input
 * size is a multiple of 32 is quantised, lm_head included (with tied embeddings a quantised copy of the table, which
 * the lookup keeps reading as stored); the embedding table, norms and biases stay as stored. CPU only; W8ASpike
 * checkpoints, already INT8, are refused.
 */
public enum WeightQuantization {
    NONE(null),
    Q8(QuantFormat.Q8),
    Q4(QuantFormat.Q4);

    private final QuantFormat format;

    WeightQuantization(QuantFormat format) {
        this.format = format;
    }

    /** The format, null for {@link #NONE}. */
    public QuantFormat format() {
        return format;
    }

    /** The name the CLI takes ({@code none}, {@code q8}, {@code q4}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code none}, {@code q8} or {@code q4}, in any case; anything else is refused naming {@code what}. */
    public static WeightQuantization parse(String text, String what) {
        for (WeightQuantization q : values()) {
            if (q.label().equalsIgnoreCase(text)) {
                return q;
            }
        }
        throw new IllegalArgumentException(what + " must be none, q8 or q4, got '" + text + "'");
    }
}
