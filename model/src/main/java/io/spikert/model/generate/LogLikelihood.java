package io.spikert.model.generate;

/** The log-likelihood of a token under a row of logits, as {@code spikert score} and the Spark scoring use it. */
public final class LogLikelihood {
    private LogLikelihood() {}

    /** log softmax(logits)[target] over {@code vocab} logits from {@code off}, in double for a stable perplexity. */
    public static double logSoftmaxAt(float[] logits, int off, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        return logits[off + target] - max - Math.log(sum);
    }
}
