package io.spikert.model.spikes;

import io.spikert.kernels.spike.SpikeCoding;
import io.spikert.kernels.spike.SpikeCounts;

import java.util.Objects;

/**
 * Running sums over the spike counts of one projection input (or of many, for totals), under one
 * coding. Not thread-safe; {@link SpikeStatistics} guards each tally.
 */
public final class SpikeTally {
    /** Histogram buckets of |s|: 0 .. 16 one by one, then everything above 16. */
    public static final int HISTOGRAM_BUCKETS = 18;

    private final SpikeCoding coding;
    int channels; // features of one token's input; 0 for a total over inputs of different widths
    long tokens;
    long entries;
    long silent;
    long negative;
    long sumAbs;
    int maxAbs;
    long spikes;
    long slots;
    long windowSpikes;
    long windowSlots;
    final long[] histogram = new long[HISTOGRAM_BUCKETS];

    public SpikeTally(SpikeCoding coding) {
        this.coding = Objects.requireNonNull(coding, "coding");
    }

    public SpikeCoding coding() {
        return coding;
    }

    /** Adds one token's counts[off .. off+n). */
    public void add(int[] counts, int off, int n) {
        Objects.checkFromIndexSize(off, n, counts.length);
        if (tokens == 0) {
            channels = n;
        } else if (channels != n) {
            throw new IllegalArgumentException("SpikeTally: token with " + n + " channels, earlier tokens had " + channels);
        }
        // T as the reference chooses it for this token's train: from its largest |s| (binary: largest s,
        // as negative counts cannot be fired).
        int T = coding == SpikeCoding.BINARY ? coding.steps(maxPositive(counts, off, n)) : coding.steps(SpikeCounts.maxAbs(counts, off, n));
        long tokenSpikes = 0;
        for (int i = 0; i < n; i++) {
            int s = counts[off + i];
            int a = Math.abs(s);
            if (s == 0) {
                silent++;
            } else if (s < 0) {
                negative++;
            }
            sumAbs += a;
            maxAbs = Math.max(maxAbs, a);
            histogram[Math.min(a, HISTOGRAM_BUCKETS - 1)]++;
            tokenSpikes += ChannelSpikes.spikes(coding, s, T);
            if (coding != SpikeCoding.BINARY || s >= 0) {
                int w = ChannelSpikes.windows(coding, s);
                windowSlots += (long) w * ChannelSpikes.WINDOW;
                windowSpikes += ChannelSpikes.spikes(coding, s, w * ChannelSpikes.WINDOW);
            }
        }
        spikes += tokenSpikes;
        slots += (long) n * T;
        entries += n;
        tokens++;
    }

    private static int maxPositive(int[] counts, int off, int n) {
        int m = 0;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, counts[off + i]);
        }
        return m;
    }

    /** Adds another tally's sums (same coding) to this one, for totals. */
    public void merge(SpikeTally o) {
        if (o.coding != coding) {
            throw new IllegalArgumentException("SpikeTally: cannot merge " + o.coding + " into " + coding);
        }
        channels = tokens == 0 ? o.channels : (channels == o.channels ? channels : 0);
        tokens += o.tokens;
        entries += o.entries;
        silent += o.silent;
        negative += o.negative;
        sumAbs += o.sumAbs;
        maxAbs = Math.max(maxAbs, o.maxAbs);
        spikes += o.spikes;
        slots += o.slots;
        windowSpikes += o.windowSpikes;
        windowSlots += o.windowSlots;
        for (int i = 0; i < HISTOGRAM_BUCKETS; i++) {
            histogram[i] += o.histogram[i];
        }
    }

    SpikeTally copy() {
        SpikeTally c = new SpikeTally(coding);
        c.merge(this);
        return c;
    }
}
