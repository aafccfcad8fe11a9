package io.spikert.bench.harness;

import io.spikert.runtime.ComputePool;
import io.spikert.runtime.memory.NativeMemory;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Read bandwidth as decode sees it: a Vector API sum over a large buffer, split across the same
 * {@link ComputePool} threads that run the kernels, best of several passes. Decode streams every
 * weight once per token, so this is the rate no decoder on these threads can beat.
 */
public final class BandwidthProbe {
    /** Which memory the probe reads. */
    public enum Source {
        /** A fresh native buffer (zero-filled, so every page is resident before timing). */
        NATIVE,
        /** The memory-mapped weight tensors themselves: the pages decode reads. */
        WEIGHTS
    }

    public static final long NATIVE_BYTES = 2L << 30;
    /** Work unit: large enough to amortize the split, small enough to balance two to dozens of threads. */
    private static final long CHUNK_BYTES = 1L << 20;
    private static final int MAX_PASSES = 200;
    private static final long MIN_PROBE_NANOS = 1_000_000_000L;
    private static final long WARMUP_SLICE_BYTES = 16L << 10;
    private static final int WARMUP_CALLS = 20_000;
    /** Keeps the warm-up's result observable so the JIT cannot drop the loop. */
    @SuppressWarnings("unused")
    private static volatile long sink;
    private static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;

    /** @param bytesPerPass bytes read by one pass; {@code passSeconds} holds every pass, the first included */
    public record Result(Source source, long bytesPerPass, int threads, double[] passSeconds, long checksum) {
        public double bestBytesPerSecond() {
            double best = Double.MAX_VALUE;
            for (double s : passSeconds) {
                best = Math.min(best, s);
            }
            return bytesPerPass / best;
        }
    }

    private BandwidthProbe() {}

    /** Sums a fresh {@link #NATIVE_BYTES} native buffer at least {@code minPasses} times (and for at least a second); the buffer is freed before returning. */
    public static Result measureNative(ComputePool pool, int minPasses) {
        try (Arena arena = Arena.ofShared()) { // shared: the pool's workers read it
            MemorySegment buf = NativeMemory.allocate(arena, NATIVE_BYTES);
            // The allocation is zeroed, which touches every page; write a pattern anyway so the sum is not trivially 0.
            for (long off = 0; off < NATIVE_BYTES; off += 4096) {
                buf.set(ValueLayout.JAVA_LONG, off, off);
            }
            return measure(Source.NATIVE, List.of(buf), pool, minPasses);
        }
    }

    /** Sums the given segments (for example every weight tensor) at least {@code minPasses} times and for at least a second. */
    public static Result measure(Source source, List<MemorySegment> segments, ComputePool pool, int minPasses) {
        Pass pass = Pass.over(segments);
        double[] seconds = new double[MAX_PASSES];
        LongAdder checksum = new LongAdder();
        long begin = System.nanoTime();
        int p = 0;
        // Small buffers get more passes: a millisecond pass is at the mercy of one scheduler hiccup.
        for (; p < MAX_PASSES && (p < minPasses || System.nanoTime() - begin < MIN_PROBE_NANOS); p++) {
            seconds[p] = pass.run(pool, checksum);
        }
        return new Result(source, pass.bytes(), pool.threads(), java.util.Arrays.copyOf(seconds, p), checksum.sum());
    }

    /** One timed read of a set of segments, cut into 1 MiB chunks shared out over the pool's threads. */
    public record Pass(MemorySegment[] chunks, long bytes) {
        /** Prepares (and warms up the JIT for) reads of {@code segments}. */
        public static Pass over(List<MemorySegment> segments) {
            List<MemorySegment> chunks = new ArrayList<>();
            long total = 0;
            for (MemorySegment seg : segments) {
                for (long off = 0; off < seg.byteSize(); off += CHUNK_BYTES) {
                    chunks.add(seg.asSlice(off, Math.min(CHUNK_BYTES, seg.byteSize() - off)));
                }
                total += seg.byteSize();
            }
            MemorySegment[] work = chunks.toArray(MemorySegment[]::new);
            warmUp(work[0]);
            return new Pass(work, total);
        }

        /** Reads every byte once; returns the seconds it took. */
        public double run(ComputePool pool, LongAdder checksum) {
            long t0 = System.nanoTime();
            pool.parallelFor(chunks.length, (start, end) -> {
                long s = 0;
                for (int i = start; i < end; i++) {
                    s += sum(chunks[i]);
                }
                checksum.add(s);
            });
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /**
     * Gets {@link #sum} compiled by C2 before any timed pass: interpreted, the Vector API is a hundred
     * times slower, and a pass over a small model's weights is over before the JIT would step in.
     * Reads a cache-resident slice so it costs milliseconds.
     */
    private static void warmUp(MemorySegment sample) {
        MemorySegment slice = sample.asSlice(0, Math.min(sample.byteSize(), WARMUP_SLICE_BYTES));
        long s = 0;
        for (int i = 0; i < WARMUP_CALLS; i++) {
            s += sum(slice);
        }
        sink = s;
    }

    /** Wrapping 64-bit sum of the segment's bytes read as longs; four accumulators keep loads independent. */
    static long sum(MemorySegment seg) {
        long n = seg.byteSize();
        int step = SPECIES.vectorByteSize();
        long unrolled = n - n % (4L * step);
        var a0 = LongVector.zero(SPECIES);
        var a1 = LongVector.zero(SPECIES);
        var a2 = LongVector.zero(SPECIES);
        var a3 = LongVector.zero(SPECIES);
        long off = 0;
        for (; off < unrolled; off += 4L * step) {
            a0 = a0.add(LongVector.fromMemorySegment(SPECIES, seg, off, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(LongVector.fromMemorySegment(SPECIES, seg, off + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(LongVector.fromMemorySegment(SPECIES, seg, off + 2L * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(LongVector.fromMemorySegment(SPECIES, seg, off + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        long s = a0.add(a1).add(a2.add(a3)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (; off + 8 <= n; off += 8) {
            s += seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), off);
        }
        for (; off < n; off++) { // a length that is not a multiple of 8: the last bytes one by one
            s += seg.get(ValueLayout.JAVA_BYTE, off);
        }
        return s;
    }
}
