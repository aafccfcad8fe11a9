package io.spikert.spark.rows;

/**
 * One row's score: the mean log-likelihood of each next token (natural log) and the perplexity exp(-mean), as
 * {@code spikert score} prints them; or, for a row that could not be scored, nulls and the reason.
 *
 * @param tokens the row's token count (null when it could not be tokenized)
 */
public record ScoreResult(Double meanLogLikelihood, Double perplexity, Integer tokens, String error) {

    static ScoreResult failed(Integer tokens, String error) {
        return new ScoreResult(null, null, tokens, error);
    }
}
