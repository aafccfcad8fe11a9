package io.spikert.kernels.spike;

/**
 * Where a weight's integer codes come from, a run of whole rows at a time (quantised floats, an int
 * array, a packed file), so {@link ChannelBlockWriter} can lay them out without holding every code as
 * an int at once. Called from several threads at once for disjoint row runs: implementations keep no
 * mutable state.
 */
@FunctionalInterface
interface RowCodes {
    /**
     * Writes the codes of rows [r0, r1), row-major, into buf[0 .. (r1 - r0) * cols). Throws
     * IllegalArgumentException naming the row and column of the first code it cannot give.
     */
    void fill(int r0, int r1, int[] buf);

    /** Whether {@link #fill} may be called from threads other than the caller's (its source memory is not confined). */
    default boolean shareable() {
        return true;
    }
}
