package io.spikert.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.checkpoint.CheckpointException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The validated {@code config.json} of a SpikingBrain ({@code gla_swa}) or Qwen2 ({@code qwen2}) model. Every
 * size comes from the file; only the constants MODEL.md says are not in the config live here.
 *
 * <p>{@code slidingWindow} is W, the keys a softmax-attention query attends before its own position. A Qwen2
 * model attends every earlier key, up to its context limit ({@code max_position_embeddings}, or
 * {@link #withContextLimit}): its W is that limit less one, and a session refuses positions past the limit
 * rather than slide. {@code attnLayers} holds the softmax-attention layers: for Qwen2, all of them.
 */
public record ModelConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int intermediateSize,
        BitSet attnLayers,
        int slidingWindow,
        double ropeTheta,
        float normEps,
        boolean tieWordEmbeddings,
        List<Integer> eosTokenIds) {

    public static final String MODEL_TYPE = "gla_swa";
    /** Qwen2's context limit when its config names none (Qwen2.5's max_position_embeddings). */
    public static final int DEFAULT_QWEN2_CONTEXT = 32768;
    /** Rank of the low-rank GLA gate projection (gk_proj.0 out, gk_proj.1 in). */
    public static final int GATE_LOW_RANK = 16;
    /** The log-decay is divided by this normalizer. */
    public static final float GATE_NORMALIZER = 16f;
    /** Chat turns end with {@code <|im_end|>}; generation stops on it as well as on eos. */
    public static final int IM_END_ID = 151645;

    public ModelConfig {
        attnLayers = (BitSet) attnLayers.clone();
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Query heads sharing one kv head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    public int kvDim() {
        return numKvHeads * headDim();
    }

    /** True for sliding-window softmax attention layers; all others are gated linear attention. */
    public boolean isSwaLayer(int layer) {
        return attnLayers.get(layer);
    }

    @Override
    public BitSet attnLayers() {
        return (BitSet) attnLayers.clone();
    }

    public int swaLayerCount() {
        return attnLayers.cardinality();
    }

    /**
     * Most positions a session of this model holds: unbounded for SpikingBrain (its state is constant in the
     * sequence length), W + 1 for Qwen2 (its key/value cache grows with every position, up to this).
     */
    public long contextLimit() {
        return architecture == Architecture.QWEN2 ? slidingWindow + 1L : Long.MAX_VALUE;
    }

    /**
     * A Qwen2 config whose sessions hold up to {@code tokens} positions (their key/value caches grow to it), in
     * place of {@code max_position_embeddings}: past the positions the model was trained on, RoPE extrapolates
     * and quality may fall, as in any runtime that allows it.
     *
     * @throws IllegalArgumentException for a SpikingBrain config (no limit) or a limit outside [1, 2^20 + 1] or
     *                                  beyond one array's worth of keys, naming the value
     */
    public ModelConfig withContextLimit(int tokens) {
        if (architecture != Architecture.QWEN2) {
            throw new IllegalArgumentException("a context limit applies to Qwen2 models; " + architecture.displayName()
                    + " keeps constant state at any length");
        }
        if (tokens < 1 || tokens > MAX_SLIDING_WINDOW + 1) {
            throw new IllegalArgumentException("context limit " + tokens + " is outside [1, " + (MAX_SLIDING_WINDOW + 1) + "]");
        }
        if ((long) numKvHeads * headDim() * tokens > MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException("context limit " + tokens + " with " + numKvHeads + " kv heads of dimension "
                    + headDim() + " needs more keys per layer than one array holds");
        }
        return new ModelConfig(architecture, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, intermediateSize,
                attnLayers, tokens - 1, ropeTheta, normEps, tieWordEmbeddings, eosTokenIds);
    }

    /*
     * Upper bounds on config values. Every size a session allocates is a product of these values, so
     * each is range-checked here, before anything is sized, far above every published model (the 7B:
     * 28 layers, hidden 3584, head dim 128, intermediate 18944, vocabulary 152064, window 4096) yet low
     * enough that no product of them overflows an int or asks for memory no checkpoint could justify.
     */
    /** Most layers a config may declare (the layer array is sized before tensors are matched to it). */
    public static final int MAX_LAYERS = 1024;
    public static final int MAX_HIDDEN_SIZE = 1 << 16;
    public static final int MAX_INTERMEDIATE_SIZE = 1 << 18;
    /** Largest head dimension: a GLA state is head_dim^2 floats per kv head. */
    public static final int MAX_HEAD_DIM = 1024;
    public static final int MAX_VOCAB_SIZE = 1 << 24;
    /** Largest sliding window; a session's key/value rings grow with the tokens seen, up to W + 1 slots. */
    public static final int MAX_SLIDING_WINDOW = 1 << 20;
    /** RMSNorm epsilon above this is not an epsilon (1e300 gives all-zero activations). */
    public static final double MAX_NORM_EPS = 1e-2;
    /** config.json files are a few KB; a larger one is not a model config. */
    public static final long MAX_CONFIG_BYTES = 16L << 20;
    /** Largest Java array a size may ask for (the VM refuses a few elements below Integer.MAX_VALUE). */
    static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    public static ModelConfig load(Path modelDir) throws IOException {
        Path file = modelDir.resolve("config.json");
        JsonNode root;
        try {
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw new CheckpointException(file + ": not a regular file");
            }
            if (Files.size(file) > MAX_CONFIG_BYTES) {
                throw new CheckpointException(file + ": " + Files.size(file) + " bytes, more than the "
                        + MAX_CONFIG_BYTES + " a config.json may have");
            }
            root = new ObjectMapper().readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new CheckpointException(file + ": not found (a model folder needs config.json)", e);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new CheckpointException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.CharConversionException e) {
            // Jackson's encoding detection (UTF-16/32 by the first bytes) fails outside JacksonException
            throw new CheckpointException(file + ": not valid JSON text: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file + ": expected a JSON object");
        }
        return parse(root, file.toString());
    }

    /**
     * Validates a parsed config; {@code source} names it in errors, which are {@link CheckpointException}s
     * naming the key. Every value is checked against what the architecture allows before it sizes anything.
     */
    public static ModelConfig parse(JsonNode root, String source) throws IOException {
        var r = new Reader(root, source);
        String modelType = r.string("model_type", MODEL_TYPE);
        Architecture arch = Architecture.of(modelType);
        if (arch == null) {
            throw r.error("model_type is \"" + modelType + "\"; SpikeRT runs SpikingBrain (\"" + MODEL_TYPE
                    + "\") and Qwen2 (\"" + Architecture.QWEN2.modelType() + "\") models");
        }
        boolean qwen2 = arch == Architecture.QWEN2;
        int vocab = r.boundedInt("vocab_size", MAX_VOCAB_SIZE);
        int hidden = r.boundedInt("hidden_size", MAX_HIDDEN_SIZE);
        int layers = r.boundedInt("num_hidden_layers", MAX_LAYERS);
        int heads = r.boundedInt("num_attention_heads", hidden, "hidden_size");
        int kvHeads = root.has("num_key_value_heads") ? r.boundedInt("num_key_value_heads", heads, "num_attention_heads") : heads;
        int inter = r.boundedInt("intermediate_size", MAX_INTERMEDIATE_SIZE);
        int window = qwen2 ? qwen2Context(r) - 1 : r.boundedInt("sliding_window", MAX_SLIDING_WINDOW);
        double theta = r.finiteDouble("rope_theta", 10000.0);
        if (!(theta > 1)) {
            throw r.error("\"rope_theta\" must be a finite number above 1, got " + root.get("rope_theta"));
        }
        String epsKey = arch.normEpsKey();
        double eps = r.finiteDouble(epsKey, 1e-6);
        if (!((float) eps >= Float.MIN_NORMAL) || !(eps <= MAX_NORM_EPS)) {
            throw r.error("\"" + epsKey + "\" must be a small positive number in [" + Float.MIN_NORMAL + ", " + MAX_NORM_EPS
                    + "], got " + root.get(epsKey));
        }
        if (hidden % heads != 0) {
            throw r.error("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        if (heads % kvHeads != 0) {
            throw r.error("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        int headDim = hidden / heads;
        if (headDim % 2 != 0) {
            throw r.error("head dimension " + headDim + " must be even for rotary embeddings");
        }
        if (headDim > MAX_HEAD_DIM) {
            throw r.error("head dimension hidden_size / num_attention_heads = " + headDim + " exceeds " + MAX_HEAD_DIM);
        }
        if (root.has("head_dim") && !root.get("head_dim").isNull()
                && !(root.get("head_dim").isIntegralNumber() && root.get("head_dim").asLong() == headDim)) {
            throw r.error("\"head_dim\" " + root.get("head_dim") + " contradicts hidden_size / num_attention_heads = " + headDim);
        }
        long ringFloats = (long) kvHeads * headDim * (window + 1L);
        if (ringFloats > MAX_ARRAY_LENGTH) {
            String key = qwen2 ? "max_position_embeddings " + (window + 1L) : "sliding_window " + window;
            throw r.error(key + " with " + kvHeads + " kv heads of dimension " + headDim + " needs a key ring of "
                    + ringFloats + " floats per layer, more than one array holds");
        }
        String act = r.string("hidden_act", qwen2 ? "silu" : "swish");
        if (!act.equals("swish") && !act.equals("silu")) {
            throw r.error("hidden_act \"" + act + "\" is not supported (SpikingBrain uses swish, Qwen2 silu)");
        }
        BitSet attn = new BitSet(layers);
        JsonNode list = root.get("attn_layers");
        if (qwen2) {
            attn.set(0, layers);
        } else if (list == null || list.isNull()) {
            for (int l = 1; l < layers; l += 2) {
                attn.set(l); // MODEL.md: default is the odd indices
            }
        } else if (!list.isArray()) {
            throw r.error("attn_layers must be a list of layer indices");
        } else {
            for (JsonNode n : list) {
                if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0 || n.asInt() >= layers) {
                    throw r.error("attn_layers entry " + n + " is not a layer index in [0, " + layers + ")");
                }
                attn.set(n.asInt());
            }
        }
        List<Integer> eos = new ArrayList<>();
        JsonNode eosNode = root.get("eos_token_id");
        if (eosNode != null && eosNode.isArray()) {
            for (JsonNode n : eosNode) {
                eos.add(r.tokenId("eos_token_id", n, vocab));
            }
        } else if (eosNode != null && !eosNode.isNull()) {
            eos.add(r.tokenId("eos_token_id", eosNode, vocab));
        }
        JsonNode bos = root.get("bos_token_id");
        if (bos != null && !bos.isNull()) {
            r.tokenId("bos_token_id", bos, vocab);
        }
        JsonNode tieNode = root.get("tie_word_embeddings");
        if (tieNode != null && !tieNode.isNull() && !tieNode.isBoolean()) {
            throw r.error("\"tie_word_embeddings\" must be true or false, got " + tieNode);
        }
        boolean tie = tieNode != null && tieNode.asBoolean(false);
        return new ModelConfig(arch, vocab, hidden, layers, heads, kvHeads, inter, attn, window, theta, (float) eps, tie, eos);
    }

    /**
     * Qwen2's context limit ({@code max_position_embeddings}), after refusing the options this runtime does not
     * implement: sliding-window layers ({@code use_sliding_window}, off in every Qwen2.5 release) and RoPE
     * scaling (YaRN, which Qwen2.5's model cards suggest adding by hand beyond 32k tokens).
     */
    private static int qwen2Context(Reader r) throws CheckpointException {
        JsonNode sliding = r.root().get("use_sliding_window");
        if (sliding != null && !sliding.isNull() && !(sliding.isBoolean() && !sliding.asBoolean())) {
            throw r.error("\"use_sliding_window\" is " + sliding + "; SpikeRT runs Qwen2 with full attention in every "
                    + "layer only (as every Qwen2.5 release is configured)");
        }
        JsonNode scaling = r.root().get("rope_scaling");
        if (scaling != null && !scaling.isNull()) {
            throw r.error("\"rope_scaling\" " + scaling + " is not supported (plain RoPE only); remove it to run "
                    + "within max_position_embeddings, or raise the context limit (--context) to extrapolate");
        }
        JsonNode limit = r.root().get("max_position_embeddings");
        return limit == null || limit.isNull() ? DEFAULT_QWEN2_CONTEXT
                : r.boundedInt("max_position_embeddings", MAX_SLIDING_WINDOW + 1);
    }

    private record Reader(JsonNode root, String source) {
        CheckpointException error(String problem) {
            return new CheckpointException(source + ": " + problem);
        }

        /** A required integer in [1, max], max being SpikeRT's limit for it. */
        int boundedInt(String key, int max) throws CheckpointException {
            return boundedInt(key, max, null);
        }

        /** A required integer in [1, max]; {@code maxKey} names the key max comes from (null: SpikeRT's limit). */
        int boundedInt(String key, int max, String maxKey) throws CheckpointException {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                throw error("missing required key \"" + key + "\"");
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0) {
                throw error("\"" + key + "\" must be a positive integer, got " + n);
            }
            if (n.asInt() > max) {
                throw error("\"" + key + "\" is " + n.asInt() + ", more than "
                        + (maxKey == null ? "the " + max + " SpikeRT allows" : maxKey + " " + max));
            }
            return n.asInt();
        }

        double finiteDouble(String key, double fallback) throws CheckpointException {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
                throw error("\"" + key + "\" must be a finite number, got " + n);
            }
            return n.asDouble();
        }

        /** A token id in [0, vocab). */
        int tokenId(String key, JsonNode n, int vocab) throws CheckpointException {
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0 || n.asInt() >= vocab) {
                throw error("\"" + key + "\" " + n + " is not a token id in [0, vocab_size " + vocab + ")");
            }
            return n.asInt();
        }

        String string(String key, String fallback) throws CheckpointException {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isTextual()) {
                throw error("\"" + key + "\" must be a string, got " + n);
            }
            return n.asText();
        }
    }
}
