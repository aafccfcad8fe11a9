package io.spikert.runtime;

/**
 * The model's numbers left the range it can compute in: non-finite logits, or W8ASpike spike counts
 * beyond what the integer kernels can sum. It means the checkpoint holds non-finite or absurdly large
 * weights (or a config that drives them there); the model loader's weight check finds non-finite
 * weights at load. Thrown instead of returning garbage; the session it came from is left part-way
 * through a step and must not be used again.
 */
public final class NumericalFaultException extends ArithmeticException {
    public NumericalFaultException(String message) {
        super(message);
    }
}
