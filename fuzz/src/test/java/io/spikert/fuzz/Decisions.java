package io.spikert.fuzz;

import java.util.List;

/**
 * Reads the choices of a structure-aware target from the raw fuzz input, byte by byte: the fuzzer mutates the
 * choices and the target turns them into a well-formed-but-wrong file. Past the end of the input every choice
 * is 0, so any input, the empty one included, is a valid program of choices. Unlike Jazzer's
 * FuzzedDataProvider it works on a plain byte[], so a finding's input file is its own reproducer.
 */
final class Decisions {
    private final byte[] data;
    private int pos;

    Decisions(byte[] data) {
        this.data = data;
    }

    boolean hasMore() {
        return pos < data.length;
    }

    int nextByte() {
        return pos < data.length ? data[pos++] & 0xFF : 0;
    }

    boolean nextBoolean() {
        return (nextByte() & 1) != 0;
    }

    /** A value in [0, bound), bound > 0. */
    int nextInt(int bound) {
        int v = bound <= 256 ? nextByte() : bound <= 65536 ? nextByte() << 8 | nextByte() : nextInt();
        return Math.floorMod(v, bound);
    }

    int nextInt() {
        return nextByte() << 24 | nextByte() << 16 | nextByte() << 8 | nextByte();
    }

    long nextLong() {
        return (long) nextInt() << 32 | (nextInt() & 0xFFFFFFFFL);
    }

    <T> T pick(List<T> options) {
        return options.get(nextInt(options.size()));
    }

    /** A number a loader may mishandle: boundaries, powers of two and their neighbours, or a raw value. */
    long interestingLong() {
        return switch (nextInt(8)) {
            case 0 -> pick(INTERESTING);
            case 1 -> (1L << nextInt(64)) + (nextInt(3) - 1);
            case 2 -> -(1L << nextInt(63));
            case 3 -> nextInt(64);
            case 4 -> nextInt();
            case 5 -> nextLong();
            default -> pick(INTERESTING) + (nextInt(5) - 2);
        };
    }

    double interestingDouble() {
        return switch (nextInt(4)) {
            case 0 -> pick(INTERESTING_DOUBLES);
            case 1 -> Double.longBitsToDouble(nextLong());
            case 2 -> Math.scalb(1.0, nextInt(2200) - 1100);
            default -> (double) interestingLong();
        };
    }

    private static final List<Long> INTERESTING = List.of(0L, 1L, -1L, 2L, 3L, 4L, 7L, 8L, 15L, 16L, 17L, 31L, 32L, 33L,
            64L, 127L, 128L, 255L, 256L, 4096L, 32767L, 32768L, 65535L, 65536L, 1L << 20, 1L << 24, 1L << 28, 1L << 30,
            (long) Integer.MAX_VALUE, (long) Integer.MAX_VALUE - 7, (long) Integer.MIN_VALUE, 1L << 31, 1L << 32,
            (1L << 32) + 16, Long.MAX_VALUE, Long.MIN_VALUE, 152064L, 3584L, 4096L * 4096);

    private static final List<Double> INTERESTING_DOUBLES = List.of(0.0, -0.0, 1e-6, 1e-45, Double.MIN_VALUE, 1e-300,
            1e300, Double.MAX_VALUE, 1.0, 0.5, 10000.0, 1e6, 1e38, 3.5e38, -1.0, 1e-38);
}
