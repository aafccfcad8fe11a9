package io.spikert.spark;

import io.spikert.spark.executor.ExecutorModel;
import io.spikert.spark.rows.RowSpikes;
import io.spikert.spark.rows.RowTokens;
import io.spikert.spark.rows.SpikeResult;

import org.apache.spark.sql.types.StructType;

/**
 * {@link SpikeRT#spikes}'s work on one partition: each row prefilled while its own statistics watch the spike counts.
 * Its output schema is the input's columns, then tokens, spikes, firing_rate, silent_share, mean_abs_count,
 * sparsity_t3 and error.
 */
public final class SpikePartitions extends RowByRowPartitions {
    private final SpikeOptions options;

    public SpikePartitions(StructType schema, String column, SpikeOptions options) {
        super(schema, column, Columns.SPIKES, options.model(), options.maxTokens());
        this.options = options;
    }

    @Override
    void check(ExecutorModel em) {
        RowSpikes.requireSpiking(em);
    }

    @Override
    Object[] result(ExecutorModel em, RowTokens tokens) {
        SpikeResult r = RowSpikes.of(em, tokens, options.coding());
        return new Object[] {r.tokens(), r.spikes(), r.firingRate(), r.silentShare(), r.meanAbsCount(), r.sparsity3(),
                r.error()};
    }
}
