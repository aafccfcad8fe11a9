package io.spikert.spark;

import io.spikert.spark.executor.ExecutorModel;
import io.spikert.spark.rows.RowTokens;
import io.spikert.spark.rows.ScoreResult;
import io.spikert.spark.rows.Scoring;

import org.apache.spark.sql.types.StructType;

/**
 * {@link SpikeRT#score}'s work on one partition: each row scored in a session of its own as the partition's iterator
 * is read. Public so that a job can wrap it; its output schema is the input's columns, then mean_log_likelihood,
 * perplexity, tokens and error.
 */
public final class ScorePartitions extends RowByRowPartitions {
    /** Checks the column and the names of the added ones against {@code schema} (on the driver). */
    public ScorePartitions(StructType schema, String column, ScoreOptions options) {
        super(schema, column, Columns.SCORE, options.model(), options.maxTokens());
    }

    @Override
    Object[] result(ExecutorModel em, RowTokens tokens) {
        ScoreResult r = Scoring.score(em.model(), tokens);
        return new Object[] {r.meanLogLikelihood(), r.perplexity(), r.tokens(), r.error()};
    }
}
