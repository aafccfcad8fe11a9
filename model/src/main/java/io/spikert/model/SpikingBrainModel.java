package io.spikert.model;

import io.spikert.kernels.RmsNorm;
import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.layers.AttentionMixer;
import io.spikert.model.layers.DecoderLayer;
import io.spikert.model.layers.FeedForward;
import io.spikert.model.layers.GatedLinearAttention;
import io.spikert.model.layers.Linear;
import io.spikert.model.layers.SlidingWindowAttention;
import io.spikert.model.layers.Workspace;
import io.spikert.runtime.Rows;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.Backend;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * SpikingBrain-7B (and any {@code gla_swa} config): immutable weights, shared by many {@link Session}s,
 * each of which holds its own recurrent state. Weights stay in the memory-mapped checkpoint where the
 * dtype allows (BF16, F32); closing the model unmaps them, after which its sessions must not be used.
 */
public final class SpikingBrainModel implements AutoCloseable {
    private final ModelConfig config;
    private final Backend backend;
    private final Checkpoint checkpoint;
    private final Arena arena;
    private final Tensor embeddings;
    private final DecoderLayer[] layers;
    private final float[] finalNorm;
    private final Linear lmHead;

    private SpikingBrainModel(ModelConfig config, Backend backend, Checkpoint checkpoint, Arena arena, Tensor embeddings,
                              DecoderLayer[] layers, float[] finalNorm, Linear lmHead) {
        this.config = config;
        this.backend = backend;
        this.checkpoint = checkpoint;
        this.arena = arena;
        this.embeddings = embeddings;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    /** Loads {@code config.json} and the weights of {@code modelDir} (safetensors or PyTorch .bin, single or sharded). */
    public static SpikingBrainModel load(Path modelDir, Backend backend) throws IOException {
        ModelConfig config = ModelConfig.load(modelDir);
        Checkpoint checkpoint = Checkpoints.open(modelDir);
        Arena arena = Arena.ofShared();
        try {
            return bind(config, backend, checkpoint, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            checkpoint.close();
            throw e;
        }
    }

    private static SpikingBrainModel bind(ModelConfig c, Backend backend, Checkpoint checkpoint, Arena arena) throws IOException {
        var w = new WeightBinder(checkpoint, arena);
        int hidden = c.hiddenSize();
        int kvDim = c.kvDim();
        int inter = c.intermediateSize();
        Tensor embeddings = w.tensor("model.embeddings.weight", c.vocabSize(), hidden);
        DecoderLayer[] layers = new DecoderLayer[c.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "model.layers." + l + ".";
            String a = p + "attn.";
            AttentionMixer attention;
            if (c.isSwaLayer(l)) {
                attention = new SlidingWindowAttention(c,
                        w.linear(a + "q_proj", hidden, hidden, true),
                        w.linear(a + "k_proj", kvDim, hidden, true),
                        w.linear(a + "v_proj", kvDim, hidden, true),
                        w.linear(a + "o_proj", hidden, hidden, false));
            } else {
                attention = new GatedLinearAttention(c,
                        w.linear(a + "q_proj", hidden, hidden, true),
                        w.linear(a + "k_proj", kvDim, hidden, true),
                        w.linear(a + "v_proj", kvDim, hidden, true),
                        w.linear(a + "gk_proj.0", ModelConfig.GATE_LOW_RANK, hidden, false),
                        w.linear(a + "gk_proj.1", kvDim, ModelConfig.GATE_LOW_RANK, true),
                        w.linear(a + "o_proj", hidden, hidden, false),
                        w.vector(a + "g_norm.weight", c.headDim()));
            }
            var mlp = new FeedForward(
                    w.linear(p + "mlp.gate_proj", inter, hidden, false),
                    w.linear(p + "mlp.up_proj", inter, hidden, false),
                    w.linear(p + "mlp.down_proj", hidden, inter, false));
            layers[l] = new DecoderLayer(l, w.vector(p + "attn_norm.weight", hidden), attention,
                    w.vector(p + "mlp_norm.weight", hidden), mlp, c.normEps());
        }
        float[] finalNorm = w.vector("model.norm.weight", hidden);
        Linear lmHead = c.tieWordEmbeddings() && !checkpoint.contains("lm_head.weight")
                ? new Linear(embeddings, null)
                : w.linear("lm_head", c.vocabSize(), hidden, false);
        w.requireAllUsed();
        for (DecoderLayer layer : layers) {
            checkLinears(backend, layer);
        }
        backend.checkWeight(lmHead.weight());
        return new SpikingBrainModel(c, backend, checkpoint, arena, embeddings, layers, finalNorm, lmHead);
    }

    private static void checkLinears(Backend backend, DecoderLayer layer) {
        switch (layer.attention()) {
            case GatedLinearAttention g -> {
                for (Linear lin : new Linear[] {g.q(), g.k(), g.v(), g.gateDown(), g.gateUp(), g.o()}) {
                    backend.checkWeight(lin.weight());
                }
            }
            case SlidingWindowAttention s -> {
                for (Linear lin : new Linear[] {s.q(), s.k(), s.v(), s.o()}) {
                    backend.checkWeight(lin.weight());
                }
            }
        }
        backend.checkWeight(layer.mlp().gate().weight());
        backend.checkWeight(layer.mlp().up().weight());
        backend.checkWeight(layer.mlp().down().weight());
    }

    public ModelConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** A new sequence with its own state, prefilling in chunks of {@link Session#DEFAULT_CHUNK} tokens. */
    public Session newSession() {
        return new Session(this, Session.DEFAULT_CHUNK);
    }

    public Session newSession(int chunkTokens) {
        return new Session(this, chunkTokens);
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
        arena.close();
        checkpoint.close();
    }
}
