package io.spikert.model.spikes;

import io.spikert.kernels.spike.SpikeCoding;

/**
 * The spike statistics of one projection's input over all tokens seen (or a total over many inputs).
 *
 * @param name             full tensor prefix ({@code model.layers.3.mlp.up_proj}) or {@code "total"}
 * @param layer            layer index, -1 for a total
 * @param projection       short name ({@code mlp.up_proj})
 * @param channels         input features per token (0 for a total over inputs of different widths)
 * @param tokens           token inputs counted
 * @param entries          channel values counted (tokens x channels, summed)
 * @param spikes           spikes fired under the coding, each token's train with the reference's T
 * @param slots            channel x time-step slots of those trains
 * @param windowSpikes     spikes when T is fixed at 3 (large counts spread over more 3-step windows)
 * @param windowSlots      slots of the 3-step windows
 * @param silent           channels with s == 0
 * @param negative         channels with s < 0 (binary coding cannot fire them; counted in no spike)
 * @param sumAbs           sum of |s|
 * @param maxAbs           largest |s|
 * @param histogram        counts of |s| = 0 .. 16, then |s| > 16 in the last bucket
 */
public record ProjectionStats(String name, int layer, String projection, SpikeCoding coding, int channels, long tokens,
                              long entries, long spikes, long slots, long windowSpikes, long windowSlots, long silent,
                              long negative, long sumAbs, int maxAbs, long[] histogram) {

    static ProjectionStats of(String name, int layer, String projection, SpikeTally t) {
        return new ProjectionStats(name, layer, projection, t.coding(), t.channels, t.tokens, t.entries, t.spikes, t.slots,
                t.windowSpikes, t.windowSlots, t.silent, t.negative, t.sumAbs, t.maxAbs, t.histogram.clone());
    }

    /** Spikes per (channel, time step) slot of the trains with the reference's T per token. */
    public double firingRate() {
        return share(spikes, slots);
    }

    public double silentShare() {
        return share(silent, entries);
    }

    public double meanSpikesPerChannel() {
        return share(spikes, entries);
    }

    public double meanAbsCount() {
        return share(sumAbs, entries);
    }

    /** Share of counts with |s| in [0, 7] (the report: 94.1%). */
    public double shareUpTo7() {
        long n = 0;
        for (int i = 0; i <= 7; i++) {
            n += histogram[i];
        }
        return share(n, entries);
    }

    /** Share of counts with |s| > 16 (the report: about 1%). */
    public double shareAbove16() {
        return share(histogram[SpikeTally.HISTOGRAM_BUCKETS - 1], entries);
    }

    /** Share of zero entries of the spike train when T is fixed at 3 steps (the report: 69.15%). */
    public double sparsity3() {
        return windowSlots == 0 ? 1.0 : 1.0 - (double) windowSpikes / windowSlots;
    }

    public double negativeShare() {
        return share(negative, entries);
    }

    private static double share(long part, long whole) {
        return whole == 0 ? 0.0 : (double) part / whole;
    }
}
