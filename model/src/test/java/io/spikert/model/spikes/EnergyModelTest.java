package io.spikert.model.spikes;

import io.spikert.kernels.spike.SpikeCoding;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Report section 5.5's arithmetic on a hand example. */
class EnergyModelTest {
    @Test
    void handExample() {
        // 2 tokens of 4 channels, out = 10. Bitwise spikes: token 1 {3 -> 2, 0, -1 -> 1, 4 -> 1} = 4,
        // token 2 {7 -> 3, 0, 0, 0} = 3: 7 spikes, 7 x 10 = 70 adds, 70 x 0.03 = 2.1 pJ.
        // Dense: 2 x 4 x 10 = 80 MACs: FP16 120 pJ, INT8 18.4 pJ.
        var s = new SpikeStatistics(SpikeCoding.BITWISE_BIDIRECTIONAL);
        s.onSpikes("model.layers.0.attn.o_proj", new int[] {3, 0, -1, 4}, 0, 4, 1f, null);
        s.onSpikes("model.layers.0.attn.o_proj", new int[] {7, 0, 0, 0}, 0, 4, 1f, null);
        EnergyEstimate e = EnergyModel.REPORT.estimate(s.projections().getFirst(), 10);
        assertEquals(80, e.macs());
        assertEquals(70, e.adds());
        assertEquals(120.0, e.fp16Pj(), 1e-12);
        assertEquals(18.4, e.int8Pj(), 1e-12);
        assertEquals(2.1, e.spikePj(), 1e-12);
        assertEquals(60.0, e.fp16PjPerToken(), 1e-12);
        assertEquals(1.05, e.spikePjPerToken(), 1e-12);
        assertEquals(7 / 8.0 * 0.03, e.spikePjPerMac(), 1e-15); // mean spikes per channel x 0.03
        assertEquals(1 - 2.1 / 120, e.savedVsFp16(), 1e-12);
        assertEquals(1 - 2.1 / 18.4, e.savedVsInt8(), 1e-12);
        EnergyEstimate t = EnergyEstimate.total(List.of(e, e), 2);
        assertEquals(4.2, t.spikePj(), 1e-12);
        assertEquals(120.0, t.fp16PjPerToken(), 1e-12);
        assertEquals(e.savedVsInt8(), t.savedVsInt8(), 1e-12);
    }

    /** The report's own figures: 1.13 spikes per channel gives 0.034 pJ per MAC, 97.7% and 85.2% saved. */
    @Test
    void reportFigures() {
        EnergyModel m = EnergyModel.REPORT;
        double perMac = 1.13 * m.int8AddPj();
        assertEquals(0.034, perMac, 0.0005);
        // The report takes its percentages from the rounded 0.034 pJ (1.13 x 0.03 = 0.0339 gives 85.3%).
        assertEquals(0.977, 1 - 0.034 / m.fp16MacPj(), 0.0005);
        assertEquals(0.852, 1 - 0.034 / m.int8MacPj(), 0.0005);
    }
}
