package io.spikert.spark;

import io.spikert.spark.executor.ExecutorModel;
import io.spikert.spark.executor.ExecutorModels;
import io.spikert.spark.rows.RowSpikes;
import io.spikert.spark.rows.RowTokens;
import io.spikert.spark.rows.SpikeResult;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.Iterator;

/** {@link SpikeRT#spikes}'s work on one partition: each row prefilled while its own statistics watch the spike counts. */
public final class SpikePartitions implements MapPartitionsFunction<Row, Row> {
    private final SpikeOptions options;
    private final Columns.Input input;
    private final StructType outputSchema;

    public SpikePartitions(StructType schema, String column, SpikeOptions options) {
        this.options = options;
        this.input = Columns.input(schema, column);
        this.outputSchema = Columns.append(schema, Columns.SPIKES);
    }

    /** The input's columns, then tokens, spikes, firing_rate, silent_share, mean_abs_count, sparsity_t3 and error. */
    public StructType outputSchema() {
        return outputSchema;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        ExecutorModel em = ExecutorModels.get(options.model());
        RowSpikes.requireSpiking(em);
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
                SpikeResult r = RowSpikes.of(em, RowTokens.of(input.value(row), em.tokenizer(), vocab, limit), options.coding());
                return Columns.append(row, r.tokens(), r.spikes(), r.firingRate(), r.silentShare(), r.meanAbsCount(),
                        r.sparsity3(), r.error());
            }
        };
    }
}
