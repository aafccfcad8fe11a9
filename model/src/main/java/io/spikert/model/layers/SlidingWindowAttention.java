package io.spikert.model.layers;

import io.spikert.kernels.Rope;
import io.spikert.model.ModelConfig;
import io.spikert.runtime.backend.Backend;

/**
 * SWA (MODEL.md section 3): q, k, v with biases; rotate-half RoPE at the absolute position; the
 * query at p attends keys max(0, p - W) .. p (W + 1 keys) with scale D^-0.5 and grouped kv heads.
 * Tokens of a chunk enter the ring one at a time, so the ring never needs more than W + 1 slots.
 * W8ASpike (MODEL.md section 4): after RoPE the query is spiked per token and head over D, and keys
 * and values are quantised to int8 per token and kv head before they enter the ring.
 */
public record SlidingWindowAttention(ModelConfig config, Projection q, Projection k, Projection v, Projection o,
                                     float querySpikeK) implements AttentionMixer {

    /** The base model: no spiking. */
    public SlidingWindowAttention(ModelConfig config, Projection q, Projection k, Projection v, Projection o) {
        this(config, q, k, v, o, 0f);
    }

    /** W8ASpike: the query is spiked per head after RoPE and the cache holds int8 keys and values. */
    public boolean spiking() {
        return querySpikeK > 0;
    }

    @Override
    public LayerState newState() {
        return new KvRing(config.numKvHeads(), config.slidingWindow() + 1, config.headDim());
    }

    @Override
    public void forward(Backend backend, Workspace ws, LayerState state, int tokens, long pos0) {
        KvRing ring = (KvRing) state;
        int hidden = config.hiddenSize();
        int kvDim = config.kvDim();
        int d = config.headDim();
        int group = config.groupSize();
        int window = config.slidingWindow();
        float scale = (float) (1.0 / Math.sqrt(d));

        q.forward(backend, ws.h, tokens, ws.q);
        k.forward(backend, ws.h, tokens, ws.k);
        v.forward(backend, ws.h, tokens, ws.v);
        for (int t = 0; t < tokens; t++) {
            Rope.angles(pos0 + t, config.ropeTheta(), d, ws.ropeCos, ws.ropeSin);
            Rope.rotateHalf(ws.q, t * hidden, config.numHeads(), d, ws.ropeCos, ws.ropeSin);
            Rope.rotateHalf(ws.k, t * kvDim, config.numKvHeads(), d, ws.ropeCos, ws.ropeSin);
        }
        if (spiking()) {
            int[] counts = new int[d];
            for (int head = 0; head < tokens * config.numHeads(); head++) {
                SpikeQuantizer.spikeInPlace(ws.q, head * d, d, querySpikeK, counts);
            }
            for (int head = 0; head < tokens * config.numKvHeads(); head++) {
                SpikeQuantizer.int8InPlace(ws.k, head * d, d);
                SpikeQuantizer.int8InPlace(ws.v, head * d, d);
            }
        }

        // The ring and the score rows grow with the positions seen (up to W + 1), before the heads run in parallel.
        ring.ensurePositions(pos0 + tokens);
        ws.ensureScores((int) Math.min(window + 1L, pos0 + tokens));
        backend.pool().parallelFor(config.numKvHeads(), (first, end) -> {
            for (int j = first; j < end; j++) {
                for (int t = 0; t < tokens; t++) {
                    long pos = pos0 + t;
                    int slot = ring.slotOffset(j, pos);
                    System.arraycopy(ws.k, t * kvDim + j * d, ring.keys(), slot, d);
                    System.arraycopy(ws.v, t * kvDim + j * d, ring.values(), slot, d);
                    long firstPos = Math.max(0, pos - window);
                    for (int n = 0; n < group; n++) {
                        int head = t * hidden + (j * group + n) * d;
                        io.spikert.kernels.SlidingWindowAttention.attend(ws.q, head, d, scale, ring.keys(), ring.values(),
                                ring.headOffset(j), ring.capacity(), firstPos, pos, ws.scores[j], ws.o, head);
                    }
                }
            }
        });
        o.forward(backend, ws.o, tokens, ws.out);
    }
}
