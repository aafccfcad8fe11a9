package io.spikert.model.spikes;

import io.spikert.kernels.spike.SpikeCoding;
import io.spikert.model.layers.SpikeObserver;
import io.spikert.runtime.backend.SpikeKernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Collects spike statistics from the runtime's real counts, one tally per projection. Projections that
 * read the same input (q/k/v/gk, gate/up) see identical counts; each keeps its own row because each
 * has its own weights to drive (energy), and totals count every projection's input, as collecting the
 * input of every linear layer does. Thread-safe: projections may report from any thread.
 */
public final class SpikeStatistics implements SpikeObserver {
    private final SpikeCoding coding;
    private final Map<String, SpikeTally> tallies = new ConcurrentHashMap<>();

    public SpikeStatistics(SpikeCoding coding) {
        this.coding = Objects.requireNonNull(coding, "coding");
    }

    public SpikeCoding coding() {
        return coding;
    }

    @Override
    public void onSpikes(String name, int[] counts, int off, int n, float vth, SpikeKernel kernel) {
        SpikeTally t = tallies.computeIfAbsent(name, k -> new SpikeTally(coding));
        synchronized (t) {
            t.add(counts, off, n);
        }
    }

    /** One row per projection seen, by layer and in the order a layer computes them. */
    public List<ProjectionStats> projections() {
        List<ProjectionName> names = new ArrayList<>();
        for (String n : tallies.keySet()) {
            names.add(ProjectionName.parse(n));
        }
        names.sort(null);
        List<ProjectionStats> rows = new ArrayList<>(names.size());
        for (ProjectionName n : names) {
            SpikeTally t = tallies.get(n.full());
            SpikeTally snapshot;
            synchronized (t) {
                snapshot = t.copy();
            }
            rows.add(ProjectionStats.of(n.full(), n.layer(), n.projection(), snapshot));
        }
        return rows;
    }

    /** All projections' inputs together. */
    public ProjectionStats total() {
        SpikeTally sum = new SpikeTally(coding);
        for (SpikeTally t : tallies.values()) {
            synchronized (t) {
                sum.merge(t);
            }
        }
        return ProjectionStats.of("total", -1, "total", sum);
    }
}
