package io.spikert.kernels.spike;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code code = rint(W / s)} for F32 weights [rows][cols] with one scale per row and group of
 * {@value Int8Weights#GROUP} inputs, the quotient divided in float as the fp32 reference does, not
 * clamped, |code| at most {@link Int8Weights#MAX_CODE}. Vectorised: the Vector API has no rint, so a
 * quotient q with |q| < 2^22 is rounded half to even as {@code (q + 1.5 * 2^23) - 1.5 * 2^23} (the add
 * rounds at the units place under the default rounding mode), exact for every quotient the range check
 * lets through. A rejected code is looked up again one element at a time to name it.
 */
final class GroupQuantizer implements RowCodes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final float ROUND = 12582912f;
    /** |q| below this rounds to a code of at most MAX_CODE in magnitude (MAX_CODE + 0.5 rounds to even, above it). */
    private static final float LIMIT = Int8Weights.MAX_CODE + 0.5f;

    private final String who;
    private final MemorySegment w;
    private final ValueLayout.OfFloat layout;
    private final int cols;
    private final int groups;
    private final float[] scales;

    GroupQuantizer(String who, MemorySegment w, ValueLayout.OfFloat layout, int cols, float[] scales) {
        this.who = who;
        this.w = w;
        this.layout = layout;
        this.cols = cols;
        this.groups = cols / Int8Weights.GROUP;
        this.scales = scales;
    }

    @Override
    public void fill(int r0, int r1, int[] buf) {
        float[] row = new float[cols];
        for (int r = r0; r < r1; r++) {
            MemorySegment.copy(w, layout, 4L * r * cols, row, 0, cols);
            int out = (r - r0) * cols;
            for (int g = 0; g < groups; g++) {
                FloatVector s = FloatVector.broadcast(F, scales[r * groups + g]);
                int c1 = (g + 1) * Int8Weights.GROUP;
                for (int c = g * Int8Weights.GROUP; c < c1; c += F.length()) {
                    FloatVector q = FloatVector.fromArray(F, row, c).div(s);
                    if (!q.abs().lt(LIMIT).allTrue()) {
                        throw outOfRange(r, c, row);
                    }
                    q.add(ROUND).sub(ROUND).convertShape(VectorOperators.F2I, I, 0).reinterpretAsInts().intoArray(buf, out + c);
                }
            }
        }
    }

    @Override
    public boolean shareable() {
        return ChannelBlockWriter.shareable(w);
    }

    /** Whether every weight equals its code times its scale, every |code| within MAX_CODE (one pass, parallel where w may be shared). */
    boolean exact(int rows) {
        int parts = shareable() ? Math.min(rows, ForkJoinPool.getCommonPoolParallelism() + 1) : 1;
        if (parts == 1) {
            return exactRows(0, rows);
        }
        return IntStream.range(0, parts).parallel()
                .allMatch(p -> exactRows((int) ((long) rows * p / parts), (int) ((long) rows * (p + 1) / parts)));
    }

    private boolean exactRows(int r0, int r1) {
        float[] row = new float[cols];
        for (int r = r0; r < r1; r++) {
            MemorySegment.copy(w, layout, 4L * r * cols, row, 0, cols);
            for (int g = 0; g < groups; g++) {
                FloatVector s = FloatVector.broadcast(F, scales[r * groups + g]);
                int c1 = (g + 1) * Int8Weights.GROUP;
                for (int c = g * Int8Weights.GROUP; c < c1; c += F.length()) {
                    FloatVector x = FloatVector.fromArray(F, row, c);
                    FloatVector q = x.div(s);
                    if (!q.abs().lt(LIMIT).allTrue() || !q.add(ROUND).sub(ROUND).mul(s).eq(x).allTrue()) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private IllegalArgumentException outOfRange(int r, int c0, float[] row) {
        for (int c = c0; c < c0 + F.length(); c++) {
            float s = scales[r * groups + c / Int8Weights.GROUP];
            float q = (float) Math.rint(row[c] / s);
            if (!(Math.abs(q) <= Int8Weights.MAX_CODE)) {
                return new IllegalArgumentException(who + ": weight " + row[c] + " at row " + r + ", column " + c
                        + " over scale " + s + " gives code " + q + ", outside [-" + Int8Weights.MAX_CODE + ", " + Int8Weights.MAX_CODE + "]");
            }
        }
        throw new AssertionError("vector range check disagrees with the scalar one at row " + r + ", columns from " + c0);
    }
}
