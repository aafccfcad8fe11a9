package io.spikert.kernels.spike;

import java.util.Objects;

/**
 * The input channels of one spike-count vector listed by scale group, built once per product and
 * shared by every thread that takes a row range of it: channel(k) has count(k), and group g's entries
 * are [groupEnd[g], groupEnd[g + 1]). {@link #listActive} lists only the non-zero counts (the event
 * kernel's list), {@link #listAll} every channel (the dense kernel's). Listing once instead of once per
 * thread also means the outlier corrections visit only the listed channels, without rescanning the counts.
 * Reusable: a list only ever grows its arrays. Not safe to refill while a product reads it.
 */
public final class ChannelList {
    private static final int GROUP = Int8Weights.GROUP;

    int[] channel = new int[0];
    int[] value = new int[0];
    int[] groupEnd = new int[1];
    private int cols;
    private int size;
    private boolean skipsSilent;

    /** Lists the channels of counts[cOff .. cOff + cols) with a non-zero count; checks every count's bound. */
    public ChannelList listActive(int[] counts, int cOff, int cols) {
        return fill("ChannelList.listActive", counts, cOff, cols, true);
    }

    /** Lists every channel of counts[cOff .. cOff + cols), silent ones too; checks every count's bound. */
    public ChannelList listAll(int[] counts, int cOff, int cols) {
        return fill("ChannelList.listAll", counts, cOff, cols, false);
    }

    ChannelList fill(String who, int[] counts, int cOff, int cols, boolean skipSilent) {
        if (cols < 1 || cols % GROUP != 0) {
            throw new IllegalArgumentException(who + ": input size " + cols + " must be a positive multiple of the scale group " + GROUP);
        }
        Objects.checkFromIndexSize(cOff, cols, counts.length);
        int groups = cols / GROUP;
        if (channel.length < cols) {
            channel = new int[cols];
            value = new int[cols];
        }
        if (groupEnd.length < groups + 1) {
            groupEnd = new int[groups + 1];
        }
        int[] ch = channel;
        int[] val = value;
        int[] ge = groupEnd;
        int n = 0;
        ge[0] = 0;
        for (int g = 0; g < groups; g++) {
            int end = (g + 1) * GROUP;
            for (int c = g * GROUP; c < end; c++) {
                int s = counts[cOff + c];
                Int8Weights.checkCount(who, s, c);
                if (s != 0 || !skipSilent) {
                    ch[n] = c;
                    val[n++] = s;
                }
            }
            ge[g + 1] = n;
        }
        this.cols = cols;
        this.size = n;
        this.skipsSilent = skipSilent;
        return this;
    }

    /** Input size of the counts listed (0 before the first listing). */
    public int cols() {
        return cols;
    }

    /** Channels listed. */
    public int size() {
        return size;
    }

    /** Whether silent channels were left out ({@link #listActive}). */
    public boolean skipsSilent() {
        return skipsSilent;
    }

    /** The k-th listed channel (ascending). */
    public int channel(int k) {
        return channel[Objects.checkIndex(k, size)];
    }

    /** The k-th listed channel's count. */
    public int count(int k) {
        return value[Objects.checkIndex(k, size)];
    }

    /**
     * The first scale group of part p of parts (p in [0, parts]) when the groups are cut into parts
     * holding about equal numbers of listed channels: 0 for p = 0, all groups for p = parts, and
     * non-decreasing in p (a part may be empty). For {@link SpikeMatVec#sparseGroups}.
     */
    public int splitGroup(int parts, int p) {
        if (parts < 1 || p < 0 || p > parts) {
            throw new IllegalArgumentException("ChannelList.splitGroup: part " + p + " of " + parts);
        }
        int groups = cols / GROUP;
        if (p == parts) {
            return groups;
        }
        long target = (long) size * p / parts;
        int g = 0;
        // the group boundary nearest to the target share of entries
        while (g < groups && groupEnd[g + 1] <= target) {
            g++;
        }
        if (g < groups && groupEnd[g + 1] - target < target - groupEnd[g]) {
            g++;
        }
        return p == 0 ? 0 : g;
    }

    /** Checks that this list was made for the weights' input size. */
    void checkFor(String kernel, Int8Weights w) {
        if (cols != w.cols) {
            throw new IllegalArgumentException(kernel + ": channel list is for " + cols + " inputs, the weights have " + w.cols);
        }
    }
}
