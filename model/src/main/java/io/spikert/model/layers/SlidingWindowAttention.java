package io.spikert.model.layers;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.KvCache;
import io.spikert.runtime.backend.KvPrecision;
import io.spikert.runtime.backend.Memory;
import io.spikert.runtime.backend.RecurrentState;

/**
 * SWA (MODEL.md section 3): q, k, v with biases; rotate-half RoPE at the absolute position; the
 * query at p attends keys max(0, p - W) .. p (W + 1 keys) with scale D^-0.5 and grouped kv heads.
 * W8ASpike (MODEL.md section 4): after RoPE the query is spiked per token and head over D, and keys
 * and values are quantised to int8 per token and kv head before they enter the cache. The cache holds keys
 * and values at {@code kvPrecision} (BF16: each rounded as it enters).
 */
public record SlidingWindowAttention(ModelConfig config, Projection q, Projection k, Projection v, Projection o,
                                     float querySpikeK, KvPrecision kvPrecision) implements AttentionMixer {

    /** The base model: no spiking, an F32 cache. */
    public SlidingWindowAttention(ModelConfig config, Projection q, Projection k, Projection v, Projection o) {
        this(config, q, k, v, o, 0f, KvPrecision.F32);
    }

    /** W8ASpike: the query is spiked per head after RoPE and the cache holds int8 keys and values. */
    public boolean spiking() {
        return querySpikeK > 0;
    }

    @Override
    public RecurrentState newState(Memory memory, int chunk) {
        return memory.kvCache(config.numKvHeads(), config.numHeads(), config.headDim(), config.slidingWindow() + 1, chunk,
                kvPrecision);
    }

    /** Needs the workspace's RoPE tables for the batch's positions ({@link Workspace#ropeCos}). */
    @Override
    public void forward(Backend ops, Workspace ws, Batch batch, int layer) {
        int hidden = config.hiddenSize();
        int kvDim = config.kvDim();
        int d = config.headDim();
        int rows = batch.rows();
        float scale = (float) (1.0 / Math.sqrt(d));

        var h = new LayerInput(ws, ws.h, hidden, rows);
        q.forward(ops, h, rows, ws.q);
        k.forward(ops, h, rows, ws.k);
        v.forward(ops, h, rows, ws.v);
        ops.rope(ws.q, ws.ropeCos, ws.ropeSin, rows, config.numHeads(), d, hidden);
        ops.rope(ws.k, ws.ropeCos, ws.ropeSin, rows, config.numKvHeads(), d, kvDim);
        if (spiking()) {
            // Heads are contiguous rows of D: [rows][heads][D].
            ops.spikeQuantize(ws.q, d, querySpikeK, rows * config.numHeads());
            ops.int8Quantize(ws.k, d, rows * config.numKvHeads());
            ops.int8Quantize(ws.v, d, rows * config.numKvHeads());
        }
        for (Batch.Sequence s : batch.sequences()) {
            int r = s.firstRow();
            ops.swa((KvCache) s.state().layer(layer), ws.q.at((long) r * hidden), ws.k.at((long) r * kvDim),
                    ws.v.at((long) r * kvDim), ws.o.at((long) r * hidden), s.rows(), s.pos0(), config.groupSize(), scale);
        }
        o.forward(ops, new LayerInput(ws, ws.o, hidden, rows), rows, ws.out);
    }
}
