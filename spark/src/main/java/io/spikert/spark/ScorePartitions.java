package io.spikert.spark;

import io.spikert.spark.executor.ExecutorModel;
import io.spikert.spark.executor.ExecutorModels;
import io.spikert.spark.rows.RowTokens;
import io.spikert.spark.rows.ScoreResult;
import io.spikert.spark.rows.Scoring;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.Iterator;

/**
 * {@link SpikeRT#score}'s work on one partition: the executor's model (loaded by the first task that needs it), then
 * each row scored in a session of its own as the partition's iterator is read. Public so that a job can wrap it.
 */
public final class ScorePartitions implements MapPartitionsFunction<Row, Row> {
    private final ScoreOptions options;
    private final Columns.Input input;
    private final StructType outputSchema;

    /** Checks the column and the names of the added ones against {@code schema} (on the driver). */
    public ScorePartitions(StructType schema, String column, ScoreOptions options) {
        this.options = options;
        this.input = Columns.input(schema, column);
        this.outputSchema = Columns.append(schema, Columns.SCORE);
    }

    /** The input's columns, then mean_log_likelihood, perplexity, tokens and error. */
    public StructType outputSchema() {
        return outputSchema;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        ExecutorModel em = ExecutorModels.get(options.model());
        long limit = Math.min(options.maxTokens(), em.model().config().contextLimit());
        int vocab = em.model().config().vocabSize();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row row = rows.next();
                ScoreResult r = Scoring.score(em.model(), RowTokens.of(input.value(row), em.tokenizer(), vocab, limit));
                return Columns.append(row, r.meanLogLikelihood(), r.perplexity(), r.tokens(), r.error());
            }
        };
    }
}
