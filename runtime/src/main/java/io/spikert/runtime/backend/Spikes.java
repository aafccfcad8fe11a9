package io.spikert.runtime.backend;

/**
 * W8ASpike's spiked inputs of up to {@link #rows} tokens of at most {@link #width} features: int32 spike
 * counts [rows][n] and one threshold vth per row (MODEL.md section 4), as {@link Backend#spikeEncode}
 * writes them.
 */
public interface Spikes {
    int rows();

    int width();
}
