package io.spikert.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Structure-aware mutation of the ids and contents of the slow tokenizer layout: one to three changes among
 * an id in {@code vocab.json} (boundaries, huge, negative, another entry's id), a new vocab entry, an added token
 * of {@code tokenizer_config.json} moved to another id or given empty, duplicate or vocabulary content, and an
 * {@code added_tokens.json} (absent in the seed) with entries of its own. The files stay valid JSON, so the
 * mutations reach whatever the ids size and index.
 */
final class TokenizerIdsMutator {
    static final String VOCAB = "vocab.json";
    static final String CONFIG = "tokenizer_config.json";
    static final String ADDED = "added_tokens.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode vocab;
    private final ObjectNode config;
    private final List<String> tokens = new ArrayList<>();

    TokenizerIdsMutator(byte[] vocabJson, byte[] configJson) throws IOException {
        this.vocab = (ObjectNode) JSON.readTree(vocabJson);
        this.config = (ObjectNode) JSON.readTree(configJson);
        vocab.fieldNames().forEachRemaining(tokens::add);
    }

    /** The three files; a null value means the file is absent. */
    Map<String, byte[]> mutate(Decisions d) throws IOException {
        ObjectNode v = vocab.deepCopy();
        ObjectNode c = config.deepCopy();
        ObjectNode added = null;
        int n = 1 + d.nextInt(3);
        for (int i = 0; i < n; i++) {
            switch (d.nextInt(6)) {
                case 0, 1 -> v.put(d.pick(tokens), id(d));
                case 2 -> v.put(d.pick(List.of("a", "\u0120\u0120x", "<|im_end|>", "", "\u00ff")), id(d));
                case 3 -> {
                    ObjectNode decoder = (ObjectNode) c.get("added_tokens_decoder");
                    List<String> keys = new ArrayList<>();
                    decoder.fieldNames().forEachRemaining(keys::add);
                    String key = d.pick(keys);
                    JsonNode entry = decoder.remove(key);
                    decoder.set(Long.toString(id(d)), entry);
                }
                case 4 -> {
                    ObjectNode decoder = (ObjectNode) c.get("added_tokens_decoder");
                    List<String> keys = new ArrayList<>();
                    decoder.fieldNames().forEachRemaining(keys::add);
                    ObjectNode entry = (ObjectNode) decoder.get(d.pick(keys));
                    entry.put("content", d.pick(List.of("", "a", "<|im_end|>", "\u0120", "<|im_start|>", "x".repeat(300))));
                    entry.put("special", d.nextBoolean());
                }
                default -> {
                    if (added == null) {
                        added = JSON.createObjectNode();
                    }
                    added.put(d.pick(List.of("<|im_end|>", "<tool_call>", "a", "", "<|endoftext|>")), id(d));
                }
            }
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(VOCAB, JSON.writeValueAsBytes(v));
        files.put(CONFIG, JSON.writeValueAsBytes(c));
        files.put(ADDED, added == null ? null : JSON.writeValueAsBytes(added));
        return files;
    }

    /** An id: mostly in or near the micro vocabulary, else a boundary of int. */
    private static long id(Decisions d) {
        return switch (d.nextInt(4)) {
            case 0 -> d.nextInt(410);
            case 1 -> d.interestingLong();
            case 2 -> d.pick(List.of(Integer.MAX_VALUE, Integer.MAX_VALUE - 1, 500_000_000, 151_646, -1, -5, Integer.MIN_VALUE));
            default -> (int) d.interestingLong();
        };
    }
}
