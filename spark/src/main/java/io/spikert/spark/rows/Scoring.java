package io.spikert.spark.rows;

import io.spikert.model.ContextLimitException;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.generate.LogLikelihood;
import io.spikert.runtime.NumericalFaultException;

/**
 * Scores a row as {@code spikert score} does (its arithmetic, through the library): one session prefills the ids,
 * and every token's logits give the log-probability of the next token, log softmax in double; the mean over the
 * {@code n - 1} predictions and exp(-mean) are the row's mean log-likelihood and perplexity.
 */
public final class Scoring {
    private Scoring() {}

    /** The score of {@code input} (already checked); a row whose logits turn non-finite gets an error instead. */
    public static ScoreResult score(SpikingBrainModel model, RowTokens input) {
        if (!input.ok()) {
            return ScoreResult.failed(null, input.error());
        }
        int[] ids = input.ids();
        if (ids.length < 2) {
            return ScoreResult.failed(ids.length, "one token has no next token to predict");
        }
        int vocab = model.config().vocabSize();
        double[] sum = {0};
        try (Session session = model.newSession()) {
            session.prefill(ids, (index, logits, off) -> {
                if (index + 1 < ids.length) {
                    sum[0] += LogLikelihood.logSoftmaxAt(logits, off, vocab, ids[index + 1]);
                }
            });
        } catch (NumericalFaultException | ContextLimitException e) {
            return ScoreResult.failed(ids.length, e.getMessage());
        }
        double mean = sum[0] / (ids.length - 1);
        return new ScoreResult(mean, Math.exp(-mean), ids.length, null);
    }
}
