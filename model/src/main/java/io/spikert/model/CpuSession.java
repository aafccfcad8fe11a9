package io.spikert.model;

import io.spikert.model.layers.LayerState;
import io.spikert.model.layers.Workspace;

/**
 * A {@link Session} computed on the host: 14 GLA states and 14 rings of W + 1 keys for the 7B, constant
 * in the sequence length, with the products through the model's backend. Prefill runs in chunks of at
 * most {@code chunkTokens} tokens, so a prompt of any length runs in the same memory.
 */
final class CpuSession implements Session {

    private final SpikingBrainModel model;
    private final ModelConfig config;
    private final Workspace ws;
    private final LayerState[] states;
    private final float[] lastLogits;
    private float[] chunkLogits;
    private long position;

    CpuSession(SpikingBrainModel model, int chunkTokens) {
        if (chunkTokens < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1 token, got " + chunkTokens);
        }
        this.model = model;
        this.config = model.config();
        Workspace.checkChunk(chunkTokens, config.vocabSize()); // the logits of a whole chunk
        this.ws = new Workspace(config, chunkTokens);
        this.states = new LayerState[config.numLayers()];
        for (int l = 0; l < states.length; l++) {
            states[l] = model.layers()[l].attention().newState();
        }
        this.lastLogits = new float[config.vocabSize()];
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    /** Tokens consumed so far; the next token gets this absolute position. */
    @Override
    public long position() {
        return position;
    }

    /** Bytes of recurrent state (GLA states and SWA rings), independent of the sequence length. */
    @Override
    public long stateBytes() {
        long total = 0;
        for (LayerState s : states) {
            total += s.bytes();
        }
        return total;
    }

    /**
     * Feeds {@code ids} as one batched prefill and returns the logits after the last of them.
     * The returned array is reused by the next call.
     */
    @Override
    public float[] prefill(int[] ids) {
        run(ids, null);
        return lastLogits;
    }

    /** Batched prefill that reports the logits of every input token to {@code sink}, chunk by chunk. */
    @Override
    public void prefill(int[] ids, LogitsSink sink) {
        run(ids, sink);
    }

    /** One token through the recurrent (decode) path; returns its logits, reused by the next call. */
    @Override
    public float[] decode(int id) {
        return prefill(new int[] {id});
    }

    private void run(int[] ids, LogitsSink sink) {
        Session.checkIds(ids, config.vocabSize());
        int vocab = config.vocabSize();
        for (int from = 0; from < ids.length; from += ws.capacity) {
            int count = Math.min(ws.capacity, ids.length - from);
            model.embed(ids, from, count, ws);
            for (var layer : model.layers()) {
                layer.forward(model.backend(), ws, states[layer.index()], count, position);
            }
            position += count;
            if (sink != null) {
                if (chunkLogits == null) {
                    chunkLogits = new float[ws.capacity * vocab];
                }
                model.logits(ws, 0, count, chunkLogits);
                for (int t = 0; t < count; t++) {
                    sink.accept(from + t, chunkLogits, t * vocab);
                }
                if (from + count == ids.length) {
                    System.arraycopy(chunkLogits, (count - 1) * vocab, lastLogits, 0, vocab);
                }
            } else if (from + count == ids.length) {
                model.logits(ws, count - 1, 1, lastLogits);
            }
        }
    }
}
