package io.spikert.runtime.backend;

/**
 * The host image of one {@link RecurrentState} after {@code position} tokens ({@link Backend#saveState},
 * {@link Backend#loadState}): exactly what the tokens from {@code position} on read, in one layout every backend
 * writes and reads, so an image depends neither on how a backend lays its state out (a ring's capacity, which
 * follows a session's chunk size on a GPU) nor on the backend:
 * <ul>
 *   <li>GLA: the state as it is, [kvHeads][D][D] F32.</li>
 *   <li>SWA: the keys, then the values, each [kvHeads][n][D] F32 for the positions {@code position - n ..
 *       position - 1} in order, with {@code n = min(position, W)}: the query at p attends p - W .. p, so the W
 *       positions before {@code position} are all that any later token reads. An image is therefore short while a
 *       sequence is shorter than the window, and at most a full window long.</li>
 * </ul>
 */
public final class StateImage {
    private StateImage() {}

    /** Positions of an SWA image: {@code min(position, W)}, W the window ({@link KvCache#window()} less the query's own). */
    public static int keptPositions(KvCache cache, long position) {
        if (position < 0) {
            throw new IllegalArgumentException("position " + position + " is negative");
        }
        return (int) Math.min(position, cache.window() - 1L);
    }

    /** Floats in the image of {@code state} after {@code position} tokens. */
    public static long floats(RecurrentState state, long position) {
        return switch (state) {
            case GlaState g -> (long) g.kvHeads() * g.headDim() * g.headDim();
            case KvCache c -> 2L * c.kvHeads() * keptPositions(c, position) * c.headDim();
        };
    }

    /** Fails unless {@code image} has the length of {@code state}'s image after {@code position} tokens. */
    static void checkLength(float[] image, RecurrentState state, long position) {
        long expected = floats(state, position);
        if (image.length != expected) {
            throw new IllegalArgumentException("a state image of " + image.length + " floats for " + state + " at position "
                    + position + ", which takes " + expected);
        }
    }

    /** Receives one run of consecutive positions that sit in consecutive ring slots. */
    @FunctionalInterface
    interface Run {
        /** Positions {@code index .. index + count} of the image sit in slots {@code slot .. slot + count} of the ring. */
        void copy(int index, int slot, int count);
    }

    /**
     * Splits the image's {@code n} positions, {@code position - n .. position - 1}, into the runs of consecutive
     * slots they occupy in a ring of {@code capacity} slots where position p sits in slot p mod capacity: one run,
     * or two where the ring wraps between them. {@code n <= capacity}.
     */
    static void runs(long position, int n, int capacity, Run run) {
        if (n > capacity) {
            throw new IllegalArgumentException(n + " positions do not fit a ring of " + capacity + " slots");
        }
        if (n == 0) {
            return;
        }
        int first = (int) ((position - n) % capacity);
        int head = Math.min(n, capacity - first);
        run.copy(0, first, head);
        if (head < n) {
            run.copy(head, 0, n - head);
        }
    }
}
