package io.spikert.model.cli;

import io.spikert.model.layers.SpikeObserver;
import io.spikert.runtime.backend.SpikeKernel;

import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** {@code --verbose}: which spike product kernel each projection used, and its inputs' silent share. */
final class KernelReport implements SpikeObserver {
    private record Tally(LongAdder sparse, LongAdder dense, LongAdder gemm, LongAdder fakeQuant, LongAdder silent,
                         LongAdder channels) {
        Tally() {
            this(new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder());
        }
    }

    private final Map<String, Tally> byProjection = new ConcurrentHashMap<>();

    @Override
    public void onSpikes(String name, int[] counts, int off, int n, float vth, SpikeKernel kernel) {
        Tally t = byProjection.computeIfAbsent(name, k -> new Tally());
        (kernel == null ? t.fakeQuant : switch (kernel) {
            case SPARSE_EVENTS -> t.sparse;
            case DENSE_INT8 -> t.dense;
            case INT8_GEMM -> t.gemm;
        }).increment();
        int silent = 0;
        for (int i = 0; i < n; i++) {
            if (counts[off + i] == 0) {
                silent++;
            }
        }
        t.silent.add(silent);
        t.channels.add(n);
    }

    void print(PrintStream err) {
        if (byProjection.isEmpty()) {
            err.println("spike kernels: none (not a W8ASpike model)");
            return;
        }
        err.printf("spike kernels per projection (token products: event-driven / dense INT8 / oneDNN INT8 GEMM / float twin;"
                + " silent share of inputs):%n");
        for (var e : new TreeMap<>(byProjection).entrySet()) {
            Tally t = e.getValue();
            err.printf("  %-40s %6d / %6d / %6d / %6d   silent %5.1f%%%n", e.getKey(), t.sparse.sum(), t.dense.sum(),
                    t.gemm.sum(), t.fakeQuant.sum(), 100.0 * t.silent.sum() / Math.max(1, t.channels.sum()));
        }
    }
}
