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
import java.util.function.Function;

/**
 * A {@code gla_swa} model resident on a GPU: every weight uploaded once into device memory the model
 * owns, every operator one of SpikeRT's kernels (or a BLAS product) through {@link DeviceOps}. Its
 * {@link DeviceSession}s keep their state and activations on the device too, so a token costs one
 * small upload (its id) and one download (its logits). Both variants: the base model's dense products,
 * or W8ASpike's spiking INT8 products, query spiking and int8 keys and values (MODEL.md section 4).
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
    private final boolean spiking;
    private final Set<DeviceSession> sessions = new LinkedHashSet<>();
    private boolean closed;

    private DeviceModel(ModelConfig config, GpuBackend backend, DeviceArena weights, DeviceMatrix embeddings,
                        DeviceDecoderLayer[] layers, long finalNorm, DeviceMatrix lmHead, boolean spiking) {
        this.config = config;
        this.backend = backend;
        this.weights = weights;
        this.embeddings = embeddings;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.spiking = spiking;
    }

    /**
     * Uploads the base model's weights {@code config} names from {@code source}. A failure (a missing or
     * misshapen tensor, a refused allocation) frees whatever was uploaded before it is rethrown.
     */
    public static DeviceModel upload(ModelConfig c, GpuBackend backend, DeviceWeightSource source) {
        return upload(backend, "the device-resident model's weights",
                arena -> build(c, backend, arena, new DeviceVariant.Base(source)));
    }

    /**
     * Uploads a W8ASpike model (MODEL.md section 4): every QuantLinear as INT8 codes whose input is spiked
     * at threshold factor {@code spikeK}, the raw down_proj and lm_head in the CPU model's exact forms, the
     * SWA query spiked and its keys and values int8-quantised. Failures free what was uploaded, as above.
     */
    public static DeviceModel uploadW8ASpike(ModelConfig c, GpuBackend backend, SpikingCheckpointWeights source,
                                             float spikeK) {
        if (!(spikeK > 0f) || Float.isInfinite(spikeK)) {
            throw new IllegalArgumentException("spike threshold factor k must be positive and finite, got " + spikeK);
        }
        return upload(backend, "the device-resident W8ASpike model's weights",
                arena -> build(c, backend, arena, new DeviceVariant.W8ASpike(source, spikeK)));
    }

    private static DeviceModel upload(GpuBackend backend, String owner, Function<DeviceArena, DeviceModel> build) {
        backend.checkThread();
        DeviceArena arena = new DeviceArena(backend.driver(), owner);
        try {
            return build.apply(arena);
        } catch (RuntimeException e) {
            throw arena.closeAfter(e);
        }
    }

    private static DeviceModel build(ModelConfig c, GpuBackend backend, DeviceArena arena, DeviceVariant p) {
        DeviceWeightSource w = p.source();
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
                        p.projection(a + "q_proj", hidden, hidden, true, arena),
                        p.projection(a + "k_proj", kvDim, hidden, true, arena),
                        p.projection(a + "v_proj", kvDim, hidden, true, arena),
                        p.projection(a + "o_proj", hidden, hidden, false, arena),
                        p.querySpikeK());
            } else {
                attention = new DeviceGla(c,
                        p.projection(a + "q_proj", hidden, hidden, true, arena),
                        p.projection(a + "k_proj", kvDim, hidden, true, arena),
                        p.projection(a + "v_proj", kvDim, hidden, true, arena),
                        p.glaGate(a, c, arena),
                        p.projection(a + "o_proj", hidden, hidden, false, arena),
                        w.vector(a + "g_norm.weight", c.headDim(), arena).pointer());
            }
            var mlp = new DeviceFeedForward(
                    p.projection(layer + "mlp.gate_proj", inter, hidden, false, arena),
                    p.projection(layer + "mlp.up_proj", inter, hidden, false, arena),
                    p.down(layer + "mlp.down_proj", hidden, inter, arena));
            layers[l] = new DeviceDecoderLayer(l, hidden, w.vector(layer + "attn_norm.weight", hidden, arena).pointer(),
                    attention, w.vector(layer + "mlp_norm.weight", hidden, arena).pointer(), mlp, c.normEps());
        }
        long finalNorm = w.vector("model.norm.weight", hidden, arena).pointer();
        DeviceMatrix lmHead = c.tieWordEmbeddings() && !w.contains("lm_head.weight") ? embeddings : p.lmHead(c, arena);
        return new DeviceModel(c, backend, arena, embeddings, layers, finalNorm, lmHead, p instanceof DeviceVariant.W8ASpike);
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

    /** W8ASpike: its sessions need spike buffers. */
    boolean spiking() {
        return spiking;
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
