package io.spikert.model.spikes;

import io.spikert.kernels.spike.SpikeCoding;
import io.spikert.kernels.spike.SpikeCounts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A time-by-neuron picture of spike trains, like the report's Figure 10: one panel per recorded input,
 * x = channel, y = virtual time step, tokens one after another (each token's train with the T the
 * reference chooses from its largest |s|, at least one row). A spike's sign is the sign of its
 * contribution: -1 spikes, and the two's-complement sign step, are negative.
 */
public record SpikeRaster(SpikeCoding coding, List<Panel> panels) {

    /** One token's train: {@code sign[t * channels + i]} in {-1, 0, 1}. */
    public record Train(int token, int steps, byte[] sign) {}

    public record Panel(String title, int channels, List<Train> trains) {
        public int rows() {
            int r = 0;
            for (Train t : trains) {
                r += t.steps();
            }
            return r;
        }
    }

    /** Builds the panels from recorded counts. Binary coding cannot fire negative counts: they are left out. */
    public static SpikeRaster of(SpikeCoding coding, Map<ProjectionName, List<SpikeRecorder.TokenCounts>> recorded) {
        List<Panel> panels = new ArrayList<>();
        recorded.forEach((name, tokens) -> {
            if (tokens.isEmpty()) {
                return;
            }
            int n = tokens.getFirst().counts().length;
            List<Train> trains = new ArrayList<>();
            for (SpikeRecorder.TokenCounts tc : tokens) {
                trains.add(train(coding, tc.token(), tc.counts()));
            }
            panels.add(new Panel("layer " + name.layer() + " " + name.projection() + " input", n, trains));
        });
        return new SpikeRaster(coding, panels);
    }

    static Train train(SpikeCoding coding, int token, int[] counts) {
        int n = counts.length;
        int[] c = counts;
        if (coding == SpikeCoding.BINARY) {
            c = counts.clone();
            for (int i = 0; i < n; i++) {
                c[i] = Math.max(c[i], 0);
            }
        }
        int T = coding.steps(SpikeCounts.maxAbs(c, 0, n));
        byte[] train = new byte[T * n];
        coding.encode(c, 0, n, T, train);
        for (int t = 0; t < T; t++) {
            if (coding.weight(t, T) < 0) {
                for (int i = 0; i < n; i++) {
                    train[t * n + i] = (byte) -train[t * n + i];
                }
            }
        }
        // An all-silent token still gets one (empty) row, so tokens stay visible in the picture.
        return T == 0 ? new Train(token, 1, new byte[n]) : new Train(token, T, train);
    }
}
