package io.spikert.model.spikes;

import io.spikert.kernels.spike.SpikeCoding;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Statistics of a hand-worked token, the numbers computed on paper (see comments). */
class SpikeTallyTest {
    static final int[] COUNTS = {0, 1, -3, 7, 8, 17, -20, 0};

    static ProjectionStats stats(SpikeCoding c) {
        var s = new SpikeStatistics(c);
        s.onSpikes("model.layers.2.mlp.up_proj", new int[] {99, 0, 1, -3, 7, 8, 17, -20, 0}, 1, 8, 0.5f, null);
        List<ProjectionStats> rows = s.projections();
        assertEquals(1, rows.size());
        assertEquals(2, rows.getFirst().layer());
        assertEquals("mlp.up_proj", rows.getFirst().projection());
        return rows.getFirst();
    }

    @Test
    void bitwise() {
        ProjectionStats r = stats(SpikeCoding.BITWISE_BIDIRECTIONAL);
        assertEquals(8, r.channels());
        assertEquals(0.25, r.silentShare());
        assertEquals(7.0, r.meanAbsCount()); // 56 / 8
        assertEquals(20, r.maxAbs());
        assertEquals(0.625, r.shareUpTo7()); // 0 1 3 7 0
        assertEquals(0.25, r.shareAbove16()); // 17 20
        assertEquals(11, r.spikes()); // popcounts 0 1 2 3 1 2 2 0
        assertEquals(11 / 8.0, r.meanSpikesPerChannel());
        assertEquals(11 / 40.0, r.firingRate()); // T = bit length of 20 = 5
        assertEquals(1 - 11 / 33.0, r.sparsity3(), 1e-15); // windows 1 1 1 1 2 2 2 1
        assertEquals(0.25, r.negativeShare());
        assertArrayEquals(new long[] {2, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2}, r.histogram());
    }

    @Test
    void ternary() {
        ProjectionStats r = stats(SpikeCoding.TERNARY);
        assertEquals(56, r.spikes());
        assertEquals(56 / 160.0, r.firingRate()); // T = 20
        assertEquals(1 - 56 / 69.0, r.sparsity3(), 1e-15); // windows 1 1 1 3 3 6 7 1 = 23
    }

    @Test
    void twosComplement() {
        ProjectionStats r = stats(SpikeCoding.BITWISE_TWOS_COMPLEMENT);
        assertEquals(15, r.spikes()); // T = 6: 0 1 5(111101) 3 1 2 3(101100) 0
        assertEquals(15 / 48.0, r.firingRate());
        assertEquals(1 - 12 / 36.0, r.sparsity3(), 1e-15); // windows 1 1 1 2 2 2 2 1; -3 as 101
    }

    @Test
    void binaryFiresOnlyNonNegativeCounts() {
        ProjectionStats r = stats(SpikeCoding.BINARY);
        assertEquals(33, r.spikes()); // 1 + 7 + 8 + 17
        assertEquals(33 / 136.0, r.firingRate()); // T = 17, the largest s
        assertEquals(1 - 33 / 45.0, r.sparsity3(), 1e-15); // windows of the 6 non-negative: 1 1 3 3 6 1
    }

    @Test
    void totalsAddProjectionsAndTokensAndRowsSortByLayer() {
        var s = new SpikeStatistics(SpikeCoding.BITWISE_BIDIRECTIONAL);
        s.onSpikes("model.layers.1.attn.o_proj", new int[] {0, 0, 5, 0}, 0, 4, 1f, null); // 2 spikes, 3 silent
        s.onSpikes("model.layers.0.mlp.gate_proj", COUNTS, 0, 8, 1f, null);
        s.onSpikes("model.layers.0.attn.q_proj", COUNTS, 0, 8, 1f, null);
        s.onSpikes("model.layers.0.attn.q_proj", new int[] {0, 0, 0, 0, 0, 0, 0, 1}, 0, 8, 1f, null);
        assertEquals(List.of("attn.q_proj", "mlp.gate_proj", "attn.o_proj"),
                s.projections().stream().map(ProjectionStats::projection).toList());
        ProjectionStats q = s.projections().getFirst();
        assertEquals(2, q.tokens());
        assertEquals(12, q.spikes());
        assertEquals(9 / 16.0, q.silentShare());
        ProjectionStats t = s.total();
        assertEquals(4, t.tokens());
        assertEquals(28, t.entries());
        assertEquals(11 + 12 + 2, t.spikes());
        assertEquals((2 + 9 + 3) / 28.0, t.silentShare());
        assertEquals(0, t.channels()); // inputs of different widths
        assertThrows(IllegalArgumentException.class,
                () -> s.onSpikes("model.layers.0.attn.q_proj", COUNTS, 0, 4, 1f, null), "a token of another width");
    }
}
