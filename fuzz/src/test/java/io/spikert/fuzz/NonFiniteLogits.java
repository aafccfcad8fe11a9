package io.spikert.fuzz;

/**
 * A checkpoint that loaded and then produced NaN or infinite logits without a word: a finding of its own
 * class (the runtime must reject non-finite weights at load, or stop on a NaN guard with a clear message).
 */
final class NonFiniteLogits extends AssertionError {
    NonFiniteLogits(String step, int index, float value) {
        super("loaded, then " + step + " gave a non-finite logit " + value + " at index " + index);
    }
}
