package io.spikert.spark.rows;

/**
 * A row's spike statistics over the inputs of every spiking projection (the total row of {@code spikert spikes}):
 * the tokens counted, the spikes fired, the firing rate (spikes per channel-time-step slot), the share of silent
 * channels, the mean |count| and the sparsity at T = 3; nulls and the reason for a row that could not run.
 */
public record SpikeResult(Integer tokens, Long spikes, Double firingRate, Double silentShare, Double meanAbsCount,
                          Double sparsity3, String error) {

    static SpikeResult failed(Integer tokens, String error) {
        return new SpikeResult(tokens, null, null, null, null, null, error);
    }
}
