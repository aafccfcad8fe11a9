package io.spikert.bench.spike;

import io.spikert.kernels.spike.Int8Weights;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Load-time cost of INT8 weights, the work a W8ASpike fp32 checkpoint's load does per QuantLinear:
 * {@link Int8Weights#quantize} from a little-endian F32 segment (as a memory-mapped tensor is read),
 * and {@link Int8Weights#fromCodes} from row-major codes (as the packed form is read). Weights are
 * made in memory, so disk speed is left out; each figure is the best of five into a fresh shared arena
 * (the model's kind). Uses only API that older builds also have, so the same class can time an older
 * vector-kernels jar put on the class path instead. Arguments: [rows] [cols]; default 18944 3584.
 */
public final class QuantizeTimes {
    private QuantizeTimes() {}

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 18944;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 3584;
        ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        MemorySegment w = Arena.global().allocate(4L * rows * cols, 64);
        float[] scales = new float[rows * (cols / Int8Weights.GROUP)];
        Random rnd = new Random(1);
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 0.01f + rnd.nextFloat() * 0.01f;
        }
        for (long i = 0; i < (long) rows * cols; i++) {
            w.setAtIndex(le, i, (float) rnd.nextGaussian() * 0.4f);
        }
        int[] codes = new int[rows * cols];
        long quantize = Long.MAX_VALUE;
        long fromCodes = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            try (Arena arena = Arena.ofShared()) {
                long t0 = System.nanoTime();
                Int8Weights q = Int8Weights.quantize(arena, w, rows, cols, scales);
                quantize = Math.min(quantize, System.nanoTime() - t0);
                if (round == 0) {
                    for (int i = 0; i < codes.length; i++) {
                        codes[i] = q.code(i / cols, i % cols);
                    }
                    System.out.printf("%d x %d, %d outliers (codes beyond +-127)%n", rows, cols, q.outlierCount());
                }
            }
            try (Arena arena = Arena.ofShared()) {
                long t0 = System.nanoTime();
                Int8Weights.fromCodes(arena, codes, rows, cols, scales);
                fromCodes = Math.min(fromCodes, System.nanoTime() - t0);
            }
        }
        System.out.printf("quantize:  %8.1f ms (%.2f GB/s of fp32 weights)%n", quantize / 1e6, 4.0 * rows * cols / quantize);
        System.out.printf("fromCodes: %8.1f ms (%.2f G codes/s)%n", fromCodes / 1e6, (double) rows * cols / fromCodes);
    }
}
