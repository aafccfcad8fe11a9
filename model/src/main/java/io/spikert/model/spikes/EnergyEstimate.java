package io.spikert.model.spikes;

import java.util.List;

/**
 * Estimated compute energy of one projection (or a total) over the tokens seen, in picojoules.
 *
 * @param macs  dense multiply-accumulates, in x out per token
 * @param adds  spike-driven INT8 additions, spikes x out
 */
public record EnergyEstimate(String name, int in, long out, long tokens, double macs, double adds,
                             double fp16Pj, double int8Pj, double spikePj) {

    public double fp16PjPerToken() {
        return perToken(fp16Pj);
    }

    public double int8PjPerToken() {
        return perToken(int8Pj);
    }

    public double spikePjPerToken() {
        return perToken(spikePj);
    }

    /** The report's "energy per MAC" of the spiking scheme: mean spikes per channel x the add energy. */
    public double spikePjPerMac() {
        return macs == 0 ? 0.0 : spikePj / macs;
    }

    /** Share of the FP16 energy saved (the report: 97.7%). */
    public double savedVsFp16() {
        return fp16Pj == 0 ? 0.0 : 1.0 - spikePj / fp16Pj;
    }

    /** Share of the INT8 energy saved (the report: 85.2%). */
    public double savedVsInt8() {
        return int8Pj == 0 ? 0.0 : 1.0 - spikePj / int8Pj;
    }

    private double perToken(double pj) {
        return tokens == 0 ? 0.0 : pj / tokens;
    }

    /**
     * Sum over projections; per-token figures divide by {@code tokens} (the prompt length, since every
     * projection sees every token once).
     */
    public static EnergyEstimate total(List<EnergyEstimate> parts, long tokens) {
        double macs = 0, adds = 0, fp16 = 0, int8 = 0, spike = 0;
        for (EnergyEstimate e : parts) {
            macs += e.macs;
            adds += e.adds;
            fp16 += e.fp16Pj;
            int8 += e.int8Pj;
            spike += e.spikePj;
        }
        return new EnergyEstimate("total", 0, 0, tokens, macs, adds, fp16, int8, spike);
    }
}
