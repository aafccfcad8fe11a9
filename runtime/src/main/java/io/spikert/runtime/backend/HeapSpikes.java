package io.spikert.runtime.backend;

/** The CPU's spiked inputs: counts [rows][n] (n at most width) and vth [rows]. */
record HeapSpikes(int[] counts, float[] vth, int width) implements Spikes {
    @Override
    public int rows() {
        return vth.length;
    }
}
