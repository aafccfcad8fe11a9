package io.spikert.model;

import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.layers.AttentionMixer;
import io.spikert.model.layers.Batch;
import io.spikert.model.layers.DecoderLayer;
import io.spikert.model.layers.FeedForward;
import io.spikert.model.layers.GatedLinearAttention;
import io.spikert.model.layers.LayerInput;
import io.spikert.model.layers.Projection;
import io.spikert.model.layers.SlidingWindowAttention;
import io.spikert.model.layers.SpikeObserver;
import io.spikert.model.layers.SpikeObservingBackend;
import io.spikert.model.layers.Workspace;
import io.spikert.runtime.Cleanup;
import io.spikert.runtime.NumericalFaultException;
import io.spikert.runtime.backend.Activation;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.BackendException;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.KvPrecision;
import io.spikert.runtime.backend.Matrix;
import io.spikert.runtime.backend.Memory;
import io.spikert.runtime.backend.WeightVector;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * SpikingBrain-7B (and any {@code gla_swa} config), or a Qwen2 model ({@link Architecture}): immutable weights bound once to a {@link Backend},
 * shared by many {@link Session}s, each of which holds its own recurrent state. The forward pass is
 * written once ({@link #forward}) over the backend's operators, so the same code runs on the CPU and on a
 * GPU. On the CPU weights stay in the memory-mapped checkpoint where the dtype allows (BF16, F32); on a
 * GPU they are uploaded once and the host copies the load made are freed. Closing the model unmaps and
 * frees them, and closes the sessions still open on a GPU; its sessions must not be used after.
 */
public final class SpikingBrainModel implements AutoCloseable {
    /** Numbers the models made by {@link #of}, whose in-memory weights have no folder to name them by. */
    private static final AtomicLong IN_MEMORY_MODELS = new AtomicLong();

    private final ModelConfig config;
    private final ModelVariant variant;
    private final Backend backend;
    /** The backend the forward pass calls: {@link #backend}, or a spike observer around it. */
    private final Backend ops;
    private final Checkpoint checkpoint;
    private final Arena hostCopies;
    private final Memory weights;
    private final Matrix embeddings;
    private final DecoderLayer[] layers;
    private final WeightVector finalNorm;
    private final Projection lmHead;
    private final Map<String, Integer> rawWeightForms;
    private final QuantizationSummary quantization;
    private final Set<ModelSession> openSessions = new LinkedHashSet<>();
    private final ModelIdentity identity;
    private boolean closed;

    private SpikingBrainModel(ModelConfig config, ModelVariant variant, Backend backend, SpikeObserver observer,
                              Checkpoint checkpoint, Arena hostCopies, Memory weights, Graph graph,
                              Map<String, Integer> rawWeightForms, QuantizationSummary quantization) {
        this.config = config;
        this.variant = variant;
        this.backend = backend;
        this.ops = observer == SpikeObserver.NONE ? backend : new SpikeObservingBackend(backend, observer);
        this.checkpoint = checkpoint;
        this.hostCopies = hostCopies;
        this.weights = weights;
        this.embeddings = graph.embeddings();
        this.layers = graph.layers();
        this.finalNorm = graph.finalNorm();
        this.lmHead = graph.lmHead();
        this.rawWeightForms = rawWeightForms;
        this.quantization = quantization;
        this.identity = new ModelIdentity(checkpoint != null ? checkpoint.directory().toAbsolutePath().normalize().toString()
                : "in-memory weights of model #" + IN_MEMORY_MODELS.incrementAndGet(), variant, config);
    }

    /** Loads {@code config.json} and the weights of {@code modelDir} (safetensors or PyTorch .bin, single or sharded). */
    public static SpikingBrainModel load(Path modelDir, Backend backend) throws IOException {
        return load(modelDir, backend, LoadOptions.defaults());
    }

    /**
     * As {@link #load(Path, Backend)}; the base and W8ASpike variants are recognised from the tensor names. A
     * backend without the float twin of W8ASpike's products (a GPU) binds the integer form whatever
     * {@link LoadOptions#integerSpikes()} says.
     */
    public static SpikingBrainModel load(Path modelDir, Backend backend, LoadOptions options) throws IOException {
        if (options.quantize() != WeightQuantization.NONE && !backend.multipliesQuantizedWeights()) {
            throw new IllegalArgumentException("the " + backend.name() + " backend multiplies no " + options.quantize().label()
                    + " weights; quantising at load is for the CPU");
        }
        ModelConfig config = ModelConfig.load(modelDir);
        if (options.contextLimit() > 0) {
            config = config.withContextLimit(options.contextLimit());
        }
        LoadOptions effective = backend.runsFloatSpikeForm() ? options : options.withIntegerSpikes(true);
        if (!backend.holdsKvCache(options.kvCache())) {
            throw new IllegalArgumentException("the " + backend.name() + " backend holds no " + options.kvCache()
                    + " key/value cache");
        }
        Checkpoint checkpoint = Checkpoints.open(modelDir);
        Arena hostCopies = Arena.ofShared();
        Memory weights = null;
        try {
            if (effective.checkWeights()) {
                effective.progress().accept("checking every weight for NaN and infinities");
                WeightScan.requireFinite(checkpoint);
            }
            weights = backend.newMemory("the weights of " + modelDir);
            var binder = new WeightBinder(checkpoint, hostCopies, weights, effective);
            if (config.architecture() == Architecture.QWEN2 && binder.variant() != ModelVariant.BASE) {
                throw new CheckpointException(modelDir + ": a Qwen2 checkpoint with " + binder.variant()
                        + " tensors; SpikeRT runs Qwen2 as published (dense weights) only");
            }
            if (effective.kvCache() != KvPrecision.F32 && binder.variant() != ModelVariant.BASE) {
                throw new CheckpointException(modelDir + ": a W8ASpike model caches its int8-quantised keys and values"
                        + " exactly at F32; a " + effective.kvCache() + " key/value cache is for dense models");
            }
            if (effective.quantize() != WeightQuantization.NONE && binder.variant() != ModelVariant.BASE) {
                throw new CheckpointException(modelDir + ": a W8ASpike checkpoint is INT8 already; quantising at load ("
                        + effective.quantize().label() + ") is for dense models");
            }
            binder.requireLayerCount(config.numLayers());
            Graph graph = build(config, binder, effective.kvCache());
            binder.requireAllUsed();
            if (backend.deviceMemory()) {
                // The device holds its own copies of the loader's INT8 codes and narrowed matrices (about 8.5 GB
                // at the 7B W8ASpike shape), so the host's are freed now rather than held beside them.
                hostCopies.close();
            }
            return new SpikingBrainModel(config, binder.variant(), backend, effective.spikeObserver(), checkpoint, hostCopies,
                    weights, graph, binder.rawForms(), binder.quantizationSummary());
        } catch (IOException | RuntimeException e) {
            if (weights != null) {
                weights.closeAfter(e);
            }
            if (hostCopies.scope().isAlive()) {
                hostCopies.close();
            }
            checkpoint.close();
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof BackendException be) {
                throw be;
            }
            // Last resort: every known bad input is a CheckpointException naming its file and tensor; anything
            // else is a loader or backend failure, still reported against the folder, with its type and cause kept.
            throw new CheckpointException(modelDir + ": cannot load the model: unexpected " + e, e);
        }
    }

    /**
     * A model over weights that are not a checkpoint (synthetic weights for benchmarks): {@code bind} binds
     * them into the memory the model will own and free.
     */
    public static SpikingBrainModel of(ModelConfig config, Backend backend, WeightFactory bind) throws IOException {
        Memory weights = backend.newMemory("the weights of a " + ModelConfig.MODEL_TYPE + " model");
        try {
            ModelWeights w = bind.bind(weights);
            return new SpikingBrainModel(config, w.variant(), backend, SpikeObserver.NONE, null, null, weights,
                    build(config, w, KvPrecision.F32), Map.of(), QuantizationSummary.NONE);
        } catch (IOException | RuntimeException e) {
            weights.closeAfter(e);
            throw e;
        }
    }

    /** Binds a model's weights into the memory it is given. */
    @FunctionalInterface
    public interface WeightFactory {
        ModelWeights bind(Memory memory) throws IOException;
    }

    /** The embedding table, the decoder layers, the final norm and the output head. */
    private record Graph(Matrix embeddings, DecoderLayer[] layers, WeightVector finalNorm, Projection lmHead) {
    }

    /**
     * The graph (MODEL.md section 3; Qwen2: section 8) over the weights {@code w} names, in the published order:
     * every softmax-attention layer as {@link SlidingWindowAttention} (Qwen2's see back to the context limit), the
     * others (SpikingBrain only) as {@link GatedLinearAttention}.
     */
    private static Graph build(ModelConfig c, ModelWeights w, KvPrecision kvCache) throws IOException {
        Architecture arch = c.architecture();
        int hidden = c.hiddenSize();
        int kvDim = c.kvDim();
        int inter = c.intermediateSize();
        Matrix embeddings = w.matrix(arch.embeddings(), c.vocabSize(), hidden);
        DecoderLayer[] layers = new DecoderLayer[c.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            String layer = "model.layers." + l + ".";
            String a = arch.attention(l);
            AttentionMixer attention;
            if (c.isSwaLayer(l)) {
                attention = new SlidingWindowAttention(c,
                        w.projection(a + "q_proj", hidden, hidden, true),
                        w.projection(a + "k_proj", kvDim, hidden, true),
                        w.projection(a + "v_proj", kvDim, hidden, true),
                        w.projection(a + "o_proj", hidden, hidden, false),
                        w.querySpikeK(), kvCache);
            } else {
                Projection gate = w.glaGate(a, kvDim, hidden); // first: its tensors tell the variants apart
                attention = new GatedLinearAttention(c,
                        w.projection(a + "q_proj", hidden, hidden, true),
                        w.projection(a + "k_proj", kvDim, hidden, true),
                        w.projection(a + "v_proj", kvDim, hidden, true),
                        gate,
                        w.projection(a + "o_proj", hidden, hidden, false),
                        w.vector(a + "g_norm.weight", c.headDim()));
            }
            var mlp = new FeedForward(
                    w.projection(layer + "mlp.gate_proj", inter, hidden, false),
                    w.projection(layer + "mlp.up_proj", inter, hidden, false),
                    w.down(layer + "mlp.down_proj", hidden, inter));
            layers[l] = new DecoderLayer(l, w.vector(arch.attentionNorm(l), hidden), attention,
                    w.vector(arch.mlpNorm(l), hidden), mlp, c.normEps());
        }
        WeightVector finalNorm = w.vector("model.norm.weight", hidden);
        Projection lmHead = c.tieWordEmbeddings() && !w.contains("lm_head.weight")
                ? w.tiedLmHead(arch.embeddings(), embeddings, c.vocabSize(), hidden) : w.lmHead(c.vocabSize(), hidden);
        return new Graph(embeddings, layers, finalNorm, lmHead);
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

    /** What quantising the weights at load did ({@link LoadOptions#quantize}; {@link QuantizationSummary#NONE} without it). */
    public QuantizationSummary quantization() {
        return quantization;
    }

    /** Which model this is, for {@link SessionSnapshot}s: the snapshots of its sessions resume only on a model of this identity. */
    public ModelIdentity identity() {
        return identity;
    }

    public Backend backend() {
        return backend;
    }

    /** The checkpoint the weights came from; null for a model made by {@link #of}. */
    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /**
     * A new sequence with its own state, prefilling in chunks of the backend's {@link Backend#defaultChunk()}
     * tokens. Its logits are always finite: a step whose logits hold NaN or infinities throws
     * {@link NumericalFaultException} instead ({@link FiniteLogitsSession}).
     */
    public Session newSession() {
        return newSession(backend.defaultChunk());
    }

    public Session newSession(int chunkTokens) {
        return new FiniteLogitsSession(openSession(chunkTokens));
    }

    /**
     * For measurement: a session standing at {@code position} whose state holds arbitrary values in place of a
     * prompt's, so that decode at a depth can be timed without prefilling a prompt that long. A token's work depends
     * on the position and the state's size (a Qwen2 cache of {@code position} keys, SpikingBrain's full window), not
     * on the values, so the rate is a real session's at that depth; the logits mean nothing.
     *
     * @throws ContextLimitException when {@code position} is past the model's context limit
     */
    public Session newSessionAtDepth(long position) {
        ContextLimitException.check(0, position, config.contextLimit());
        return new FiniteLogitsSession(prepared(openSession(backend.defaultChunk()), s -> s.fillForMeasurement(position)));
    }

    /**
     * A new sequence resumed from {@code snapshot} ({@link Session#restore}), prefilling in chunks of the
     * backend's default; the snapshot may come from a session of another chunk size or backend of this model.
     *
     * @throws IllegalArgumentException when the snapshot belongs to another model, naming the difference
     */
    public Session newSession(SessionSnapshot snapshot) {
        return newSession(snapshot, backend.defaultChunk());
    }

    /** As {@link #newSession(SessionSnapshot)}, prefilling in chunks of {@code chunkTokens}. */
    public Session newSession(SessionSnapshot snapshot, int chunkTokens) {
        snapshot.requireModel(identity);
        return prepared(newSession(chunkTokens), s -> s.restore(snapshot));
    }

    /** {@code session} after {@code setUp}; closed (a failure of the close suppressed) when setUp throws. */
    private static <S extends Session> S prepared(S session, Consumer<S> setUp) {
        try {
            setUp.accept(session);
        } catch (RuntimeException e) {
            try {
                session.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return session;
    }

    /**
     * A decoder that steps up to {@code maxSessions} of this model's sessions by one token each in a single
     * forward pass ({@link BatchDecoder}). Close it before the model.
     */
    public BatchDecoder newBatchDecoder(int maxSessions) {
        synchronized (openSessions) {
            if (closed) {
                throw new IllegalStateException("the model was closed");
            }
        }
        return new BatchDecoder(this, maxSessions);
    }

    private ModelSession openSession(int chunkTokens) {
        synchronized (openSessions) {
            if (closed) {
                throw new IllegalStateException("the model was closed");
            }
        }
        ModelSession s = new ModelSession(this, chunkTokens);
        if (backend.deviceMemory()) {
            synchronized (openSessions) {
                openSessions.add(s);
            }
        }
        return s;
    }

    void forget(ModelSession s) {
        synchronized (openSessions) {
            openSessions.remove(s);
        }
    }

    /**
     * Whether the host copies the loader made (INT8 codes, narrowed matrices) are still held: false once a
     * backend with its own device memory has taken its copies, since its sessions never read them.
     */
    public boolean holdsHostWeights() {
        return hostCopies != null && hostCopies.scope().isAlive();
    }

    /** Bytes of backend memory the bound weights hold: device memory on a GPU, 0 on the CPU (the mapping is the file's). */
    public long weightMemoryBytes() {
        return backend.deviceMemory() ? weights.bytes() : 0;
    }

    Backend ops() {
        return ops;
    }

    DecoderLayer[] layers() {
        return layers;
    }

    /** Whether the sessions need spike buffers (W8ASpike). */
    boolean spiking() {
        return variant == ModelVariant.W8ASPIKE;
    }

    /**
     * One forward pass over the batch's rows, whose token ids are in {@code ws.ids}: the embedding, the RoPE
     * tables of each sequence's positions, then every decoder layer; leaves the residual stream in {@code ws.x}.
     */
    void forward(Workspace ws, Batch batch) {
        ops.embed(embeddings, ws.ids, batch.rows(), ws.x);
        if (config.swaLayerCount() > 0) {
            int half = config.headDim() / 2;
            for (Batch.Sequence s : batch.sequences()) {
                long at = (long) s.firstRow() * half;
                ops.ropeAngles(ws.ropeCos.at(at), ws.ropeSin.at(at), s.pos0(), s.rows(), config.headDim(), config.ropeTheta());
            }
        }
        for (DecoderLayer layer : layers) {
            layer.forward(ops, ws, batch);
        }
    }

    /** Logits of the rows [first, first + count) of the residual stream into {@code out} [count][vocab]. */
    void logits(Workspace ws, int first, int count, Floats out) {
        int hidden = config.hiddenSize();
        ops.rmsnorm(ws.x.at((long) first * hidden), finalNorm, ws.h, hidden, count, config.normEps());
        lmHead.forward(ops, new LayerInput(ws, ws.h, hidden, count), count, out, Activation.NONE);
    }

    /** Closes the sessions still open on a device, frees the weights and unmaps the checkpoint. Idempotent. */
    @Override
    public void close() {
        List<ModelSession> open;
        synchronized (openSessions) {
            if (closed) {
                return;
            }
            closed = true;
            open = new ArrayList<>(openSessions);
        }
        Cleanup.runAll(closeSteps(open));
    }

    private List<Runnable> closeSteps(List<ModelSession> open) {
        List<Runnable> steps = new ArrayList<>();
        for (ModelSession s : open) {
            steps.add(s::close);
        }
        steps.add(weights::close);
        steps.add(() -> {
            if (holdsHostWeights()) {
                hostCopies.close();
            }
        });
        if (checkpoint != null) {
            steps.add(checkpoint::close);
        }
        return steps;
    }
}
