package io.spikert.model.device;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.backend.GpuBackend;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceMatrix;
import io.spikert.runtime.gpu.DeviceOps;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@code gla_swa} model resident on a GPU: every weight uploaded once into device memory the model
 * owns, every operator one of SpikeRT's kernels (or a BLAS product) through {@link DeviceOps}. Its
 * {@link DeviceSession}s keep their state and activations on the device too, so a token costs one
 * small upload (its id) and one download (its logits). The base model only: W8ASpike's spiking
 * products have no device kernels wired in yet.
 *
 * <p>Closing the model frees its weights and the memory of every session it made that is still open.
 * Use it on the thread that opened the backend.
 */
public final class DeviceModel implements AutoCloseable {
    /** Prefill chunk of {@link #newSession()}: larger than the CPU's, since a launch costs more than a loop. */
    public static final int DEFAULT_CHUNK = 256;

    private final ModelConfig config;
    private final GpuBackend backend;
    private final DeviceArena weights;
    private final DeviceMatrix embeddings;
    private final DeviceDecoderLayer[] layers;
    private final long finalNorm;
    private final DeviceMatrix lmHead;
    private final Set<DeviceSession> sessions = new LinkedHashSet<>();
    private boolean closed;

    private DeviceModel(ModelConfig config, GpuBackend backend, DeviceArena weights, DeviceMatrix embeddings,
                        DeviceDecoderLayer[] layers, long finalNorm, DeviceMatrix lmHead) {
        this.config = config;
        this.backend = backend;
        this.weights = weights;
        this.embeddings = embeddings;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    /**
     * Uploads the weights {@code config} names from {@code source}. A failure (a missing or misshapen
     * tensor, a refused allocation) frees whatever was uploaded before it is rethrown.
     */
    public static DeviceModel upload(ModelConfig c, GpuBackend backend, DeviceWeightSource source) {
        backend.checkThread();
        DeviceArena arena = new DeviceArena(backend.driver(), "the device-resident model's weights");
        try {
            return build(c, backend, source, arena);
        } catch (RuntimeException e) {
            throw arena.closeAfter(e);
        }
    }

    private static DeviceModel build(ModelConfig c, GpuBackend backend, DeviceWeightSource w, DeviceArena arena) {
        int hidden = c.hiddenSize();
        int kvDim = c.kvDim();
        int inter = c.intermediateSize();
        DeviceMatrix embeddings = w.matrix("model.embeddings.weight", c.vocabSize(), hidden, arena);
        DeviceDecoderLayer[] layers = new DeviceDecoderLayer[c.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            String layer = "model.layers." + l + ".";
            String a = layer + "attn.";
            DeviceMixer attention;
            if (c.isSwaLayer(l)) {
                attention = new DeviceSwa(c,
                        linear(w, arena, a + "q_proj", hidden, hidden, true),
                        linear(w, arena, a + "k_proj", kvDim, hidden, true),
                        linear(w, arena, a + "v_proj", kvDim, hidden, true),
                        linear(w, arena, a + "o_proj", hidden, hidden, false));
            } else {
                attention = new DeviceGla(c,
                        linear(w, arena, a + "q_proj", hidden, hidden, true),
                        linear(w, arena, a + "k_proj", kvDim, hidden, true),
                        linear(w, arena, a + "v_proj", kvDim, hidden, true),
                        linear(w, arena, a + "gk_proj.0", ModelConfig.GATE_LOW_RANK, hidden, false),
                        linear(w, arena, a + "gk_proj.1", kvDim, ModelConfig.GATE_LOW_RANK, true),
                        linear(w, arena, a + "o_proj", hidden, hidden, false),
                        w.vector(a + "g_norm.weight", c.headDim(), arena).pointer());
            }
            var mlp = new DeviceFeedForward(
                    linear(w, arena, layer + "mlp.gate_proj", inter, hidden, false),
                    linear(w, arena, layer + "mlp.up_proj", inter, hidden, false),
                    linear(w, arena, layer + "mlp.down_proj", hidden, inter, false));
            layers[l] = new DeviceDecoderLayer(l, hidden, w.vector(layer + "attn_norm.weight", hidden, arena).pointer(),
                    attention, w.vector(layer + "mlp_norm.weight", hidden, arena).pointer(), mlp, c.normEps());
        }
        long finalNorm = w.vector("model.norm.weight", hidden, arena).pointer();
        DeviceMatrix lmHead = c.tieWordEmbeddings() && !w.contains("lm_head.weight")
                ? embeddings
                : w.matrix("lm_head.weight", c.vocabSize(), hidden, arena);
        return new DeviceModel(c, backend, arena, embeddings, layers, finalNorm, lmHead);
    }

    private static DeviceLinear linear(DeviceWeightSource w, DeviceArena arena, String prefix, int out, int in, boolean bias) {
        DeviceMatrix m = w.matrix(prefix + ".weight", out, in, arena);
        return new DeviceLinear(m, bias ? w.vector(prefix + ".bias", out, arena).pointer() : 0L);
    }

    public ModelConfig config() {
        return config;
    }

    public GpuBackend backend() {
        return backend;
    }

    /** A new sequence prefilling in chunks of {@link #DEFAULT_CHUNK} tokens. */
    public DeviceSession newSession() {
        return newSession(DEFAULT_CHUNK);
    }

    /** A new sequence whose state and activations are allocated on the device now. */
    public DeviceSession newSession(int chunkTokens) {
        if (closed) {
            throw new IllegalStateException("the device model was closed");
        }
        DeviceSession s = new DeviceSession(this, chunkTokens);
        sessions.add(s);
        return s;
    }

    /** Device bytes held by the weights. */
    public long weightBytes() {
        return weights.bytes();
    }

    /** Device bytes held by the weights and every open session. */
    public long deviceBytes() {
        long total = weights.bytes();
        for (DeviceSession s : sessions) {
            total += s.deviceBytes();
        }
        return total;
    }

    DeviceOps ops() {
        return backend.ops();
    }

    DeviceMatrix embeddings() {
        return embeddings;
    }

    DeviceDecoderLayer[] layers() {
        return layers;
    }

    long finalNorm() {
        return finalNorm;
    }

    DeviceMatrix lmHead() {
        return lmHead;
    }

    void forget(DeviceSession s) {
        sessions.remove(s);
    }

    /** Frees every open session's memory, then the weights. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        List<DeviceSession> open = new ArrayList<>(sessions);
        for (DeviceSession s : open) {
            try {
                s.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        try {
            weights.close();
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
