package io.spikert.model;

import io.spikert.kernels.RmsNorm;
import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.device.CheckpointWeightSource;
import io.spikert.model.device.DeviceModel;
import io.spikert.model.device.SpikingCheckpointWeights;
import io.spikert.model.layers.AttentionMixer;
import io.spikert.model.layers.DecoderLayer;
import io.spikert.model.layers.FeedForward;
import io.spikert.model.layers.GatedLinearAttention;
import io.spikert.model.layers.Linear;
import io.spikert.model.layers.LowRankProjection;
import io.spikert.model.layers.Projection;
import io.spikert.model.layers.SlidingWindowAttention;
import io.spikert.model.layers.SpikeObserver;
import io.spikert.model.layers.Workspace;
import io.spikert.runtime.Rows;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.GpuBackend;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * SpikingBrain-7B (and any {@code gla_swa} config): immutable weights, shared by many {@link Session}s,
 * each of which holds its own recurrent state. Weights stay in the memory-mapped checkpoint where the
 * dtype allows (BF16, F32); closing the model unmaps them, after which its sessions must not be used.
 *
 * <p>On a {@link GpuBackend} the model is device-resident: its weights are also uploaded once
 * ({@link DeviceModel}) and its sessions run every operator on the device (W8ASpike with a spike
 * observer excepted, see {@link #deviceResident()}).
 */
public final class SpikingBrainModel implements AutoCloseable {
    private final ModelConfig config;
    private final ModelVariant variant;
    private final Backend backend;
    private final Checkpoint checkpoint;
    private final Arena arena;
    private final Tensor embeddings;
    private final DecoderLayer[] layers;
    private final float[] finalNorm;
    private final Linear lmHead;
    private final Map<String, Integer> rawWeightForms;
    /** W8ASpike: every QuantLinear, down_proj and untied lm_head by tensor prefix, as bound (empty for the base model). */
    private final Map<String, Projection> boundProjections;
    private DeviceModel device; // set by load when the backend runs the whole model on a GPU

    private SpikingBrainModel(ModelConfig config, ModelVariant variant, Backend backend, Checkpoint checkpoint, Arena arena, Tensor embeddings,
                              DecoderLayer[] layers, float[] finalNorm, Linear lmHead, Map<String, Integer> rawWeightForms,
                              Map<String, Projection> boundProjections) {
        this.config = config;
        this.variant = variant;
        this.backend = backend;
        this.checkpoint = checkpoint;
        this.arena = arena;
        this.embeddings = embeddings;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.rawWeightForms = rawWeightForms;
        this.boundProjections = boundProjections;
    }

    /** Loads {@code config.json} and the weights of {@code modelDir} (safetensors or PyTorch .bin, single or sharded). */
    public static SpikingBrainModel load(Path modelDir, Backend backend) throws IOException {
        return load(modelDir, backend, LoadOptions.defaults());
    }

    /** As {@link #load(Path, Backend)}; the base and W8ASpike variants are recognised from the tensor names. */
    public static SpikingBrainModel load(Path modelDir, Backend backend, LoadOptions options) throws IOException {
        ModelConfig config = ModelConfig.load(modelDir);
        Checkpoint checkpoint = Checkpoints.open(modelDir);
        Arena arena = Arena.ofShared();
        SpikingBrainModel model;
        try {
            model = bind(config, backend, checkpoint, arena, options);
        } catch (IOException e) {
            arena.close();
            checkpoint.close();
            throw e;
        } catch (RuntimeException e) {
            arena.close();
            checkpoint.close();
            // Last resort: every known bad input is a CheckpointException naming its file and tensor; anything
            // else is a loader bug, still reported against the folder, with its type and cause kept.
            throw new CheckpointException(modelDir + ": cannot load the model: unexpected " + e, e);
        }
        if (backend instanceof GpuBackend gpu && residentOnDevice(model.variant, options)) {
            try {
                model.device = model.variant == ModelVariant.BASE
                        ? DeviceModel.upload(config, gpu, new CheckpointWeightSource(checkpoint))
                        : DeviceModel.uploadW8ASpike(config, gpu, new SpikingCheckpointWeights(checkpoint, model.boundProjections),
                                options.spikeK());
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
            // Sessions of a device-resident model never touch the host copies (INT8 codes, narrowed matrices:
            // about 8.5 GB at the 7B W8ASpike shape), so they are freed now rather than held beside the device's.
            model.arena.close();
        }
        return model;
    }

    /**
     * Both variants run resident on a GPU, except W8ASpike with a spike observer: the device keeps its
     * counts on the device, so a model whose every product's counts must be seen on the host (the CLI's
     * --verbose kernel report) keeps the products-only path. On the device the QuantLinears always run
     * the integer form ({@link LoadOptions#integerSpikes()} picks the CPU's form only).
     */
    private static boolean residentOnDevice(ModelVariant variant, LoadOptions options) {
        return variant == ModelVariant.BASE || options.spikeObserver() == SpikeObserver.NONE;
    }

    private static SpikingBrainModel bind(ModelConfig c, Backend backend, Checkpoint checkpoint, Arena arena,
                                          LoadOptions options) throws IOException {
        if (options.checkWeights()) {
            options.progress().accept("checking every weight for NaN and infinities");
            WeightScan.requireFinite(checkpoint);
        }
        var w = new WeightBinder(checkpoint, arena);
        boolean spiking = w.variant() == ModelVariant.W8ASPIKE;
        // W8ASpike's projections by tensor prefix, for a device upload to take the same codes and raw forms.
        Map<String, Projection> bound = new HashMap<>();
        // W8ASpike: every QuantLinear (q, k, v, o, gk, gate, up) spikes its input; down_proj does not.
        Projections p = spiking
                ? (name, out, in, bias) -> bind(bound, name, w.spiking(name, out, in, bias, options))
                : w::linear;
        int hidden = c.hiddenSize();
        int kvDim = c.kvDim();
        int inter = c.intermediateSize();
        w.requireLayerCount(c.numLayers());
        Tensor embeddings = w.tensor("model.embeddings.weight", c.vocabSize(), hidden);
        DecoderLayer[] layers = new DecoderLayer[c.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            String layer = "model.layers." + l + ".";
            String a = layer + "attn.";
            AttentionMixer attention;
            if (c.isSwaLayer(l)) {
                attention = new SlidingWindowAttention(c,
                        p.of(a + "q_proj", hidden, hidden, true),
                        p.of(a + "k_proj", kvDim, hidden, true),
                        p.of(a + "v_proj", kvDim, hidden, true),
                        p.of(a + "o_proj", hidden, hidden, false),
                        spiking ? options.spikeK() : 0f);
            } else {
                Projection gate = spiking
                        ? p.of(a + "gk_proj", kvDim, hidden, true)
                        : new LowRankProjection(w.linear(a + "gk_proj.0", ModelConfig.GATE_LOW_RANK, hidden, false),
                                                w.linear(a + "gk_proj.1", kvDim, ModelConfig.GATE_LOW_RANK, true));
                attention = new GatedLinearAttention(c,
                        p.of(a + "q_proj", hidden, hidden, true),
                        p.of(a + "k_proj", kvDim, hidden, true),
                        p.of(a + "v_proj", kvDim, hidden, true),
                        gate,
                        p.of(a + "o_proj", hidden, hidden, false),
                        w.vector(a + "g_norm.weight", c.headDim()));
            }
            Projection down = spiking
                    ? bind(bound, layer + "mlp.down_proj", w.rawDownProjection(layer + "mlp.down_proj", hidden, inter, options))
                    : w.linear(layer + "mlp.down_proj", hidden, inter, false);
            var mlp = new FeedForward(
                    p.of(layer + "mlp.gate_proj", inter, hidden, false),
                    p.of(layer + "mlp.up_proj", inter, hidden, false),
                    down);
            layers[l] = new DecoderLayer(l, w.vector(layer + "attn_norm.weight", hidden), attention,
                    w.vector(layer + "mlp_norm.weight", hidden), mlp, c.normEps());
        }
        float[] finalNorm = w.vector("model.norm.weight", hidden);
        Linear lmHead = c.tieWordEmbeddings() && !checkpoint.contains("lm_head.weight")
                ? new Linear(embeddings, null)
                : spiking ? bind(bound, "lm_head", w.narrowed("lm_head", c.vocabSize(), hidden, "lm_head", options))
                : w.linear("lm_head", c.vocabSize(), hidden, false);
        w.requireAllUsed();
        for (Tensor t : w.boundMatrices()) {
            backend.checkWeight(t);
        }
        backend.checkWeight(lmHead.weight()); // the embedding table itself when tied
        return new SpikingBrainModel(c, w.variant(), backend, checkpoint, arena, embeddings, layers, finalNorm, lmHead, w.rawForms(),
                Map.copyOf(bound));
    }

    private static <P extends Projection> P bind(Map<String, Projection> bound, String prefix, P projection) {
        bound.put(prefix, projection);
        return projection;
    }

    /** Builds one projection by its tensor prefix: dense in the base model, spiking in W8ASpike. */
    @FunctionalInterface
    private interface Projections {
        Projection of(String prefix, int out, int in, boolean bias) throws IOException;
    }

    public ModelConfig config() {
        return config;
    }

    public ModelVariant variant() {
        return variant;
    }

    /**
     * W8ASpike only: how many raw fp32 matrices (down_proj, lm_head) were kept in each exact narrower form
     * or as stored; empty for the base model.
     */
    public Map<String, Integer> rawWeightForms() {
        return rawWeightForms;
    }

    public Backend backend() {
        return backend;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /**
     * A new sequence with its own state, prefilling in chunks of {@link Session#DEFAULT_CHUNK} tokens
     * ({@link DeviceModel#DEFAULT_CHUNK} when device-resident). Its logits are always finite: a step whose
     * logits hold NaN or infinities throws {@link NumericalFaultException} instead ({@link FiniteLogitsSession}).
     */
    public Session newSession() {
        return new FiniteLogitsSession(device != null ? device.newSession() : new CpuSession(this, Session.DEFAULT_CHUNK));
    }

    public Session newSession(int chunkTokens) {
        return new FiniteLogitsSession(device != null ? device.newSession(chunkTokens) : new CpuSession(this, chunkTokens));
    }

    /**
     * Whether sessions run entirely on the GPU: either variant on a {@link GpuBackend}. False on the CPU,
     * and for W8ASpike loaded with a {@link SpikeObserver}, whose spike counts must reach the host for every
     * product: it keeps the products-only path (spiking products on the CPU, dense ones on the device).
     */
    public boolean deviceResident() {
        return device != null;
    }

    /**
     * Whether the host copies the loader made (INT8 codes, narrowed matrices) are still held: false once a
     * device-resident model has uploaded its own, since its sessions never read them.
     */
    public boolean holdsHostWeights() {
        return arena.scope().isAlive();
    }

    DecoderLayer[] layers() {
        return layers;
    }

    /** x[t] = E[ids[from + t]] for t < count. */
    void embed(int[] ids, int from, int count, Workspace ws) {
        int hidden = config.hiddenSize();
        for (int t = 0; t < count; t++) {
            Rows.copyRow(embeddings, ids[from + t], ws.x, t * hidden);
        }
    }

    /** Logits of the tokens [first, first + count) of the chunk in {@code ws}, into out[(t - first) * V ...]. */
    void logits(Workspace ws, int first, int count, float[] out) {
        int hidden = config.hiddenSize();
        for (int t = 0; t < count; t++) {
            RmsNorm.apply(ws.x, (first + t) * hidden, finalNorm, 0, ws.h, t * hidden, hidden, config.normEps());
        }
        lmHead.forward(backend, ws.h, count, out);
    }

    @Override
    public void close() {
        try {
            if (device != null) {
                device.close();
            }
        } finally {
            if (arena.scope().isAlive()) {
                arena.close();
            }
            checkpoint.close();
        }
    }
}
