package io.spikert.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The validated {@code config.json} of a SpikingBrain ({@code gla_swa}) model. Every size comes
 * from the file; only the constants MODEL.md says are not in the config live here.
 */
public record ModelConfig(
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

    public static ModelConfig load(Path modelDir) throws IOException {
        Path file = modelDir.resolve("config.json");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new IOException(file + ": not found (a model folder needs config.json)", e);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a JSON object");
        }
        return parse(root, file.toString());
    }

    /** Validates a parsed config; {@code source} names it in errors. */
    public static ModelConfig parse(JsonNode root, String source) throws IOException {
        var r = new Reader(root, source);
        String modelType = r.string("model_type", MODEL_TYPE);
        if (!MODEL_TYPE.equals(modelType)) {
            throw new IOException(source + ": model_type is \"" + modelType + "\"; SpikeRT runs SpikingBrain models (\""
                    + MODEL_TYPE + "\")");
        }
        int vocab = r.positiveInt("vocab_size");
        int hidden = r.positiveInt("hidden_size");
        int layers = r.positiveInt("num_hidden_layers");
        int heads = r.positiveInt("num_attention_heads");
        int kvHeads = root.has("num_key_value_heads") ? r.positiveInt("num_key_value_heads") : heads;
        int inter = r.positiveInt("intermediate_size");
        int window = r.positiveInt("sliding_window");
        double theta = r.positiveDouble("rope_theta", 10000.0);
        double eps = r.positiveDouble("norm_eps", 1e-6);
        if (hidden % heads != 0) {
            throw new IOException(source + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        if (heads % kvHeads != 0) {
            throw new IOException(source + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if ((hidden / heads) % 2 != 0) {
            throw new IOException(source + ": head dimension " + hidden / heads + " must be even for rotary embeddings");
        }
        String act = r.string("hidden_act", "swish");
        if (!act.equals("swish") && !act.equals("silu")) {
            throw new IOException(source + ": hidden_act \"" + act + "\" is not supported (SpikingBrain uses swish)");
        }
        BitSet attn = new BitSet(layers);
        JsonNode list = root.get("attn_layers");
        if (list == null || list.isNull()) {
            for (int l = 1; l < layers; l += 2) {
                attn.set(l); // MODEL.md: default is the odd indices
            }
        } else if (!list.isArray()) {
            throw new IOException(source + ": attn_layers must be a list of layer indices");
        } else {
            for (JsonNode n : list) {
                if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0 || n.asInt() >= layers) {
                    throw new IOException(source + ": attn_layers entry " + n + " is not a layer index in [0, " + layers + ")");
                }
                attn.set(n.asInt());
            }
        }
        List<Integer> eos = new ArrayList<>();
        JsonNode eosNode = root.get("eos_token_id");
        if (eosNode != null && eosNode.isArray()) {
            eosNode.forEach(n -> eos.add(n.asInt()));
        } else if (eosNode != null && eosNode.isIntegralNumber()) {
            eos.add(eosNode.asInt());
        }
        boolean tie = root.path("tie_word_embeddings").asBoolean(false);
        return new ModelConfig(vocab, hidden, layers, heads, kvHeads, inter, attn, window, theta, (float) eps, tie, eos);
    }

    private record Reader(JsonNode root, String source) {
        int positiveInt(String key) throws IOException {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                throw new IOException(source + ": missing required key \"" + key + "\"");
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0) {
                throw new IOException(source + ": \"" + key + "\" must be a positive integer, got " + n);
            }
            return n.asInt();
        }

        double positiveDouble(String key, double fallback) throws IOException {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isNumber() || !(n.asDouble() > 0) || Double.isInfinite(n.asDouble())) {
                throw new IOException(source + ": \"" + key + "\" must be a positive number, got " + n);
            }
            return n.asDouble();
        }

        String string(String key, String fallback) throws IOException {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isTextual()) {
                throw new IOException(source + ": \"" + key + "\" must be a string, got " + n);
            }
            return n.asText();
        }
    }
}
