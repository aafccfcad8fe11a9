package io.spikert.model.layers;

import java.util.List;

/**
 * The rows one forward pass runs: {@link #rows} rows of the workspace, made of one or more sequences'
 * consecutive tokens. Products and row-wise operators take all rows at once (one weight pass for every
 * sequence); attention runs each sequence over its own rows and state.
 */
public record Batch(int rows, List<Sequence> sequences) {

    /** One sequence's {@code rows} tokens at workspace rows {@code firstRow ..}, absolute positions {@code pos0 ..}. */
    public record Sequence(int firstRow, int rows, long pos0, SessionState state) {
    }

    public Batch {
        sequences = List.copyOf(sequences);
        int next = 0;
        for (Sequence s : sequences) {
            if (s.firstRow() != next || s.rows() < 1) {
                throw new IllegalArgumentException("a batch's sequences must cover its rows in order, each at least one row: "
                        + sequences);
            }
            next += s.rows();
        }
        if (next != rows) {
            throw new IllegalArgumentException("sequences cover " + next + " rows of a batch of " + rows);
        }
    }

    /** One sequence's chunk. */
    public static Batch of(int rows, long pos0, SessionState state) {
        return new Batch(rows, List.of(new Sequence(0, rows, pos0, state)));
    }
}
