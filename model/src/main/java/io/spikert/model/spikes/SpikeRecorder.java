package io.spikert.model.spikes;

import io.spikert.model.layers.SpikeObserver;
import io.spikert.runtime.backend.SpikeKernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps copies of the spike counts of chosen layers' distinct inputs for the first {@code maxTokens}
 * tokens, for pictures and per-token checks. Only one projection per shared input is kept
 * ({@link #INPUTS}): q/k/v/gk read the same spiked h, gate/up the same h, so their counts are equal.
 * Tokens are numbered per projection in the order they arrive, which is prompt order because a
 * projection spikes its tokens one after another. Thread-safe.
 */
public final class SpikeRecorder implements SpikeObserver {
    /** The first projection of each group that shares one spiked input. */
    public static final List<String> INPUTS = List.of("attn.q_proj", "attn.o_proj", "mlp.gate_proj");

    /** One token's counts at one input, with its threshold. */
    public record TokenCounts(int token, int[] counts, float vth) {}

    private final Set<Integer> layers;
    private final int maxTokens;
    private final Map<String, List<TokenCounts>> recorded = new LinkedHashMap<>();
    private final Map<String, Integer> seen = new LinkedHashMap<>();

    /** {@code layers} null records every layer. */
    public SpikeRecorder(Set<Integer> layers, int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("SpikeRecorder: maxTokens must be >= 1, got " + maxTokens);
        }
        this.layers = layers == null ? null : Set.copyOf(layers);
        this.maxTokens = maxTokens;
    }

    @Override
    public void onSpikes(String name, int[] counts, int off, int n, float vth, SpikeKernel kernel) {
        ProjectionName p = ProjectionName.parse(name);
        if (!INPUTS.contains(p.projection()) || (layers != null && !layers.contains(p.layer()))) {
            return;
        }
        int[] copy = new int[n];
        System.arraycopy(counts, off, copy, 0, n);
        synchronized (this) {
            int token = seen.merge(name, 1, Integer::sum) - 1;
            if (token < maxTokens) {
                recorded.computeIfAbsent(name, k -> new ArrayList<>()).add(new TokenCounts(token, copy, vth));
            }
        }
    }

    /** The recorded inputs by projection prefix, ordered by layer and projection. */
    public synchronized Map<ProjectionName, List<TokenCounts>> recorded() {
        Map<ProjectionName, List<TokenCounts>> out = new java.util.TreeMap<>();
        recorded.forEach((name, list) -> out.put(ProjectionName.parse(name), List.copyOf(list)));
        return out;
    }
}
