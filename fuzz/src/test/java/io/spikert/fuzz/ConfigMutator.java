package io.spikert.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Structure-aware mutation of {@code config.json}: one to four keys get a new value (boundary numbers, a
 * neighbour of the old value, a huge multiple, another JSON type) or are removed; the result is valid JSON, so
 * the mutations reach the range checks and everything a config value sizes.
 */
final class ConfigMutator {
    /** The keys the loader reads, first, so that most mutations hit them. */
    static final List<String> KEYS = List.of("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
            "num_key_value_heads", "intermediate_size", "sliding_window", "rope_theta", "norm_eps", "attn_layers",
            "eos_token_id", "bos_token_id", "tie_word_embeddings", "model_type", "hidden_act", "torch_dtype",
            "max_position_embeddings");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode seed;

    ConfigMutator(byte[] seedConfig) throws IOException {
        this.seed = (ObjectNode) JSON.readTree(seedConfig);
    }

    byte[] mutate(Decisions d) throws IOException {
        ObjectNode c = seed.deepCopy();
        List<String> all = new ArrayList<>();
        c.fieldNames().forEachRemaining(all::add);
        int n = 1 + d.nextInt(4);
        for (int i = 0; i < n; i++) {
            String key = d.nextInt(4) == 0 ? d.pick(all) : d.pick(KEYS);
            if (d.nextInt(10) == 0) {
                c.remove(key);
                continue;
            }
            JsonNode value = key.equals("attn_layers") && d.nextBoolean() ? JsonValues.intArray(d) : JsonValues.mutate(c.get(key), d);
            c.set(key, value);
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(c);
    }
}
