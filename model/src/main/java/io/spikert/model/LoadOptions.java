package io.spikert.model;

/**
 * How a model is loaded.
 *
 * @param spikeK threshold factor k of W8ASpike's adaptive spiking, {@code vth = mean|x| / k}
 *               (MODEL.md uses 3; the report's Table 11 explores 2 to 4); ignored by base models
 */
public record LoadOptions(float spikeK) {
    public static final float DEFAULT_SPIKE_K = 3f;

    public LoadOptions {
        if (!(spikeK > 0) || Float.isInfinite(spikeK)) {
            throw new IllegalArgumentException("spike threshold factor k must be a positive number, got " + spikeK);
        }
    }

    public static LoadOptions defaults() {
        return new LoadOptions(DEFAULT_SPIKE_K);
    }
}
