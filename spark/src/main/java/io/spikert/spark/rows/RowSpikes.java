package io.spikert.spark.rows;

import io.spikert.kernels.spike.SpikeCoding;
import io.spikert.model.ContextLimitException;
import io.spikert.model.ModelVariant;
import io.spikert.model.Session;
import io.spikert.model.spikes.ProjectionStats;
import io.spikert.model.spikes.SpikeStatistics;
import io.spikert.runtime.NumericalFaultException;
import io.spikert.spark.executor.ExecutorModel;

/**
 * A row's spike statistics as {@code spikert spikes} collects them: the row's ids prefilled in a session of their own
 * while a fresh {@link SpikeStatistics} sees this thread's spike counts, the totals over all projections kept.
 */
public final class RowSpikes {
    private RowSpikes() {}

    /** Refuses a model without spiking (the whole job is wrong, not the row). */
    public static void requireSpiking(ExecutorModel em) {
        if (em.model().variant() != ModelVariant.W8ASPIKE) {
            throw new IllegalArgumentException("the model at " + em.path() + " is a " + em.model().variant()
                    + " model without spiking; spike statistics need a W8ASpike checkpoint");
        }
    }

    public static SpikeResult of(ExecutorModel em, RowTokens input, SpikeCoding coding) {
        if (!input.ok()) {
            return SpikeResult.failed(null, input.error());
        }
        int[] ids = input.ids();
        var stats = new SpikeStatistics(coding);
        try {
            em.withSpikeObserver(stats, () -> {
                try (Session s = em.model().newSession()) {
                    s.prefill(ids, (i, logits, off) -> { });
                }
                return null;
            });
        } catch (NumericalFaultException | ContextLimitException e) {
            return SpikeResult.failed(ids.length, e.getMessage());
        }
        ProjectionStats t = stats.total();
        return new SpikeResult(ids.length, t.spikes(), t.firingRate(), t.silentShare(), t.meanAbsCount(), t.sparsity3(), null);
    }
}
