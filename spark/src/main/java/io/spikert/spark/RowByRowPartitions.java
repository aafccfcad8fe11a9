package io.spikert.spark;

import io.spikert.spark.executor.ExecutorModel;
import io.spikert.spark.executor.ExecutorModels;
import io.spikert.spark.executor.ModelSpec;
import io.spikert.spark.rows.RowTokens;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.Iterator;

/**
 * A partition mapped one row at a time, as its iterator is read: the executor's model (loaded by the first task that
 * needs it), each row's text or ids as tokens (up to the model's context limit and the options' token limit), and the
 * columns {@link #result} computes appended to the row. The scoring and spike statistics differ only in that step.
 */
abstract class RowByRowPartitions implements MapPartitionsFunction<Row, Row> {
    private final ModelSpec model;
    private final long maxTokens;
    private final Columns.Input input;
    private final StructType outputSchema;

    /** Checks the column and the names of the added ones against {@code schema} (on the driver). */
    RowByRowPartitions(StructType schema, String column, StructType added, ModelSpec model, long maxTokens) {
        this.model = model;
        this.maxTokens = maxTokens;
        this.input = Columns.input(schema, column);
        this.outputSchema = Columns.append(schema, added);
    }

    /** The input's columns, then the added ones. */
    public StructType outputSchema() {
        return outputSchema;
    }

    /** Fails the task before its first row when the executor's model cannot do this work. */
    void check(ExecutorModel em) {
    }

    /** The added columns' values for one row's tokens (an error column among them, for a row that cannot be done). */
    abstract Object[] result(ExecutorModel em, RowTokens tokens);

    @Override
    public final Iterator<Row> call(Iterator<Row> rows) {
        ExecutorModel em = ExecutorModels.get(model);
        check(em);
        long limit = Math.min(maxTokens, em.model().config().contextLimit());
        int vocab = em.model().config().vocabSize();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row row = rows.next();
                return Columns.append(row, result(em, RowTokens.of(input.value(row), em.tokenizer(), vocab, limit)));
            }
        };
    }
}
