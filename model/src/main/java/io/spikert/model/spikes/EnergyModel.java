package io.spikert.model.spikes;

/**
 * The energy figures of report section 5.5 (45 nm, after Yao et al. 2024), in picojoules: a dense
 * product costs one MAC per weight per token; the spiking product costs one INT8 add per spike per
 * output feature ("spike-triggered weight additions").
 */
public record EnergyModel(double fp16MacPj, double int8MacPj, double int8AddPj) {
    public static final EnergyModel REPORT = new EnergyModel(1.5, 0.23, 0.03);

    /** The estimate for one projection (or a total) from its statistics and output features. */
    public EnergyEstimate estimate(ProjectionStats stats, long outFeatures) {
        long tokens = stats.tokens();
        // MACs over all tokens: every input channel times every output feature, per token.
        double macs = (double) stats.entries() * outFeatures;
        double adds = (double) stats.spikes() * outFeatures;
        return new EnergyEstimate(stats.name(), stats.channels(), outFeatures, tokens, macs, adds,
                macs * fp16MacPj, macs * int8MacPj, adds * int8AddPj);
    }
}
