package io.spikert.model;

import io.spikert.model.layers.Batch;
import io.spikert.model.layers.DecoderLayer;
import io.spikert.model.layers.SessionState;
import io.spikert.model.layers.Workspace;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.Memory;
import io.spikert.runtime.backend.RecurrentState;
import io.spikert.runtime.backend.StateImage;

import java.util.SplittableRandom;

/**
 * A {@link Session} on any backend: its recurrent state (GLA states, SWA caches) and chunk activations
 * live in backend memory it owns, constant in the sequence length, so a chunk uploads its token ids and
 * downloads logits, nothing else (one row per token with a {@link LogitsSink}, otherwise only the last
 * token's). Prefill runs in chunks of at most {@code chunkTokens} tokens, so a prompt of any length runs
 * in the same memory. Close it, or its model, to free device memory; on the CPU closing is optional.
 */
final class ModelSession implements Session {
    private final SpikingBrainModel model;
    private final ModelConfig config;
    private final Memory memory;
    private final Workspace ws;
    private final SessionState state;
    private final float[] lastLogits;
    private Floats chunkLogitsBuffer;
    private float[] chunkLogits;
    private long position;
    private boolean closed;

    ModelSession(SpikingBrainModel model, int chunkTokens) {
        if (chunkTokens < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1 token, got " + chunkTokens);
        }
        this.model = model;
        this.config = model.config();
        Workspace.checkChunk(chunkTokens, config.vocabSize()); // the logits of a whole chunk
        this.memory = model.backend().newMemory("a session");
        try {
            this.ws = new Workspace(config, chunkTokens, model.spiking(), memory);
            RecurrentState[] layers = new RecurrentState[config.numLayers()];
            for (DecoderLayer layer : model.layers()) {
                layers[layer.index()] = layer.attention().newState(memory, chunkTokens);
            }
            this.state = new SessionState(layers);
        } catch (RuntimeException e) {
            throw memory.closeAfter(e);
        }
        this.lastLogits = new float[config.vocabSize()];
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long contextLimit() {
        return config.contextLimit();
    }

    /** Bytes of recurrent state (GLA states and SWA caches) at its most (Qwen2: at the context limit). */
    @Override
    public long stateBytes() {
        return state.bytes();
    }

    @Override
    public long memoryBytes() {
        return memory.bytes();
    }

    SpikingBrainModel model() {
        return model;
    }

    /** The recurrent state, for a {@link BatchDecoder} step; single-threaded, as the session. */
    SessionState state() {
        requireOpen();
        return state;
    }

    /** Records that a {@link BatchDecoder} step ran {@code tokens} tokens through {@link #state()}. */
    void advance(int tokens) {
        position += tokens;
    }

    /** Most tokens one pass takes through this session's state (its chunk size). */
    int chunkTokens() {
        return ws.capacity;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the session was closed");
        }
    }

    /** One {@link Backend#saveState} copy per layer. */
    @Override
    public SessionSnapshot snapshot() {
        requireOpen();
        Backend ops = model.ops();
        float[][] images = new float[config.numLayers()][];
        for (int l = 0; l < images.length; l++) {
            images[l] = ops.saveState(state.layer(l), position);
        }
        return new SessionSnapshot(model.identity(), position, images);
    }

    /**
     * {@link SpikingBrainModel#newSessionAtDepth}: each layer's state loaded, one layer at a time, from an image of
     * {@code position} tokens filled with a fixed pattern of small values (a Gaussian block repeated).
     */
    void fillForMeasurement(long position) {
        requireOpen();
        float[] block = new float[4096];
        var random = new SplittableRandom(position);
        for (int i = 0; i < block.length; i++) {
            block[i] = (float) (0.25 * random.nextGaussian());
        }
        Backend ops = model.ops();
        for (int l = 0; l < config.numLayers(); l++) {
            float[] image = new float[Math.toIntExact(StateImage.floats(state.layer(l), position))];
            for (int i = 0; i < image.length; i += block.length) {
                System.arraycopy(block, 0, image, i, Math.min(block.length, image.length - i));
            }
            ops.loadState(image, position, state.layer(l));
        }
        this.position = position;
    }

    /** One {@link Backend#loadState} copy per layer, after the snapshot's model is checked. */
    @Override
    public void restore(SessionSnapshot snapshot) {
        requireOpen();
        snapshot.requireModel(model.identity());
        if (snapshot.layerCount() != config.numLayers()) { // the identity's config rules this out
            throw new IllegalStateException(snapshot + " holds " + snapshot.layerCount() + " layers, the model "
                    + config.numLayers());
        }
        Backend ops = model.ops();
        for (int l = 0; l < snapshot.layerCount(); l++) {
            ops.loadState(snapshot.layer(l), snapshot.position(), state.layer(l));
        }
        position = snapshot.position();
    }

    @Override
    public float[] prefill(int[] ids) {
        run(ids, null);
        return lastLogits;
    }

    @Override
    public void prefill(int[] ids, LogitsSink sink) {
        run(ids, sink);
    }

    @Override
    public float[] decode(int id) {
        return prefill(new int[] {id});
    }

    private void run(int[] ids, LogitsSink sink) {
        requireOpen();
        Session.checkIds(ids, config.vocabSize());
        ContextLimitException.check(position, ids.length, config.contextLimit());
        int vocab = config.vocabSize();
        Backend ops = model.ops();
        for (int from = 0; from < ids.length; from += ws.capacity) {
            int count = Math.min(ws.capacity, ids.length - from);
            ops.upload(ids, from, count, ws.ids);
            model.forward(ws, Batch.of(count, position, state));
            position += count;
            if (sink != null) {
                if (chunkLogits == null) {
                    chunkLogits = new float[ws.capacity * vocab];
                    chunkLogitsBuffer = memory.floats((long) ws.capacity * vocab, "logits of a chunk");
                }
                model.logits(ws, 0, count, chunkLogitsBuffer);
                ops.download(chunkLogitsBuffer, count * vocab, chunkLogits, 0);
                for (int t = 0; t < count; t++) {
                    sink.accept(from + t, chunkLogits, t * vocab);
                }
                if (from + count == ids.length) {
                    System.arraycopy(chunkLogits, (count - 1) * vocab, lastLogits, 0, vocab);
                }
            } else if (from + count == ids.length) {
                model.logits(ws, count - 1, 1, ws.logits);
                ops.download(ws.logits, vocab, lastLogits, 0);
            }
        }
    }

    /** Frees the session's backend memory. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            memory.close();
        } finally {
            model.forget(this);
        }
    }
}
