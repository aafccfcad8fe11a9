package io.spikert.model.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.checkpoint.CheckpointException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/** Reads a tokenizer from a model folder, in either of HF's two layouts. */
final class TokenizerFiles {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String VOCAB_JSON = "vocab.json";
    static final String MERGES_TXT = "merges.txt";
    static final String TOKENIZER_CONFIG_JSON = "tokenizer_config.json";
    static final String ADDED_TOKENS_JSON = "added_tokens.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** tokenizer.json of Qwen2.5 is 7 MB; a JSON tree takes several times its file's bytes of heap. */
    static final long MAX_JSON_TREE_BYTES = 64L << 20;

    private TokenizerFiles() {}

    static boolean isPresent(Path dir) {
        return Files.isRegularFile(dir.resolve(TOKENIZER_JSON))
                || (Files.isRegularFile(dir.resolve(VOCAB_JSON)) && Files.isRegularFile(dir.resolve(MERGES_TXT)));
    }

    static Tokenizer load(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve(TOKENIZER_JSON))) {
            return fromTokenizerJson(dir.resolve(TOKENIZER_JSON));
        }
        Path vocab = dir.resolve(VOCAB_JSON);
        Path merges = dir.resolve(MERGES_TXT);
        if (!Files.isRegularFile(vocab) || !Files.isRegularFile(merges)) {
            List<String> missing = new ArrayList<>();
            if (!Files.isRegularFile(vocab)) {
                missing.add(VOCAB_JSON);
            }
            if (!Files.isRegularFile(merges)) {
                missing.add(MERGES_TXT);
            }
            throw new CheckpointException("no tokenizer in " + dir + ": looked for " + TOKENIZER_JSON + ", or "
                    + VOCAB_JSON + " + " + MERGES_TXT + " (missing: " + String.join(", ", missing) + ")");
        }
        Map<String, Integer> vocabMap = readVocab(vocab);
        Merges mergeList = readMerges(merges);
        BpeModel bpe = buildBpe(vocabMap, mergeList.pairs(), vocab, merges, i -> "line " + mergeList.lines().get(i));
        AddedTokens added = new AddedTokens();
        Path config = dir.resolve(TOKENIZER_CONFIG_JSON);
        if (Files.isRegularFile(config)) {
            readAddedTokensDecoder(config, added);
        }
        Path addedJson = dir.resolve(ADDED_TOKENS_JSON);
        if (Files.isRegularFile(addedJson)) {
            readAddedTokensJson(addedJson, added);
        }
        return build(bpe, added, dir + " (" + TOKENIZER_CONFIG_JSON + ", " + ADDED_TOKENS_JSON + ")", vocab);
    }

    // ---- vocab.json + merges.txt + added tokens (the "slow" layout Qwen publishes) ----

    /**
     * Streams the 151k-entry object instead of building a tree, and with field-name interning and
     * canonicalization off: they only pay off for names that repeat, and these never do.
     */
    private static Map<String, Integer> readVocab(Path file) throws IOException {
        Map<String, Integer> vocab = HashMap.newHashMap(160_000);
        JsonFactory factory = JsonFactory.builder()
                .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .build();
        try (InputStream in = Files.newInputStream(file); JsonParser p = factory.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformed(file, "expected a JSON object of token -> id");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                    throw malformed(file, "the id of token \"" + token + "\" is not an integer");
                }
                int id = p.getIntValue();
                if (vocab.put(token, id) != null) {
                    throw malformed(file, "token \"" + token + "\" appears twice");
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw malformed(file, "expected a JSON object of token -> id");
            }
        } catch (JacksonException e) {
            throw new CheckpointException("malformed " + file + ": " + e.getOriginalMessage(), e);
        } catch (CharacterCodingException e) {
            throw new CheckpointException("malformed " + file + ": not UTF-8 text (" + e + ")", e);
        } catch (java.io.CharConversionException e) {
            // Jackson's encoding detection (UTF-16/32 by the first bytes) fails outside JacksonException
            throw new CheckpointException("malformed " + file + ": not valid JSON text (" + e.getMessage() + ")", e);
        }
        return vocab;
    }

    /** Merge rules with the file line of each, for error messages. */
    private record Merges(List<String[]> pairs, List<Integer> lines) {}

    /** One merge per line, "left right", as HF's slow tokenizer reads them: a "#version" header and blank lines skipped. */
    private static Merges readMerges(Path file) throws IOException {
        List<String[]> pairs = new ArrayList<>(160_000);
        List<Integer> lines = new ArrayList<>(160_000);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                line = line.strip();
                if (line.isEmpty() || (lineNo == 1 && line.startsWith("#version"))) {
                    continue;
                }
                String[] pair = splitMerge(line);
                if (pair == null) {
                    throw malformed(file, "line " + lineNo + " is not \"left right\": \"" + line + "\"");
                }
                pairs.add(pair);
                lines.add(lineNo);
            }
        } catch (CharacterCodingException e) {
            throw new CheckpointException("malformed " + file + ": not UTF-8 text (" + e + ")", e);
        }
        return new Merges(pairs, lines);
    }

    /** {left, right} of "left right", or null; byte-level tokens never contain a space. */
    private static String[] splitMerge(String s) {
        int space = s.indexOf(' ');
        if (space <= 0 || space == s.length() - 1 || s.indexOf(' ', space + 1) >= 0) {
            return null;
        }
        return new String[] {s.substring(0, space), s.substring(space + 1)};
    }

    /** tokenizer_config.json: "added_tokens_decoder": {"151643": {"content": ..., "special": true}, ...}. */
    private static void readAddedTokensDecoder(Path file, AddedTokens added) throws IOException {
        JsonNode root = readTree(file);
        JsonNode decoder = root.get("added_tokens_decoder");
        if (decoder == null || decoder.isNull()) {
            return;
        }
        if (!decoder.isObject()) {
            throw malformed(file, "\"added_tokens_decoder\" is not an object");
        }
        for (Map.Entry<String, JsonNode> e : decoder.properties()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw malformed(file, "added_tokens_decoder key \"" + e.getKey() + "\" is not an id");
            }
            JsonNode content = e.getValue().get("content");
            if (content == null || !content.isTextual()) {
                throw malformed(file, "added_tokens_decoder[\"" + e.getKey() + "\"] has no string \"content\"");
            }
            boolean special = e.getValue().path("special").asBoolean(false);
            added.put(file, new AddedToken(id, content.asText(), special));
        }
    }

    /** added_tokens.json: {"<|im_end|>": 151645, ...}; it carries no special flag, so existing entries keep theirs. */
    private static void readAddedTokensJson(Path file, AddedTokens added) throws IOException {
        JsonNode root = readTree(file);
        if (!root.isObject()) {
            throw malformed(file, "expected a JSON object of token -> id");
        }
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) {
                throw malformed(file, "the id of \"" + e.getKey() + "\" is not an integer");
            }
            AddedToken known = added.get(e.getKey());
            boolean special = known == null || known.special();
            added.put(file, new AddedToken(e.getValue().intValue(), e.getKey(), special));
        }
    }

    /** Added tokens by content, with the file each came from so that errors can name it. */
    private static final class AddedTokens {
        private final Map<String, AddedToken> byContent = new LinkedHashMap<>();
        private final Map<String, Path> files = new HashMap<>();

        AddedToken get(String content) {
            return byContent.get(content);
        }

        void put(Path file, AddedToken t) throws IOException {
            AddedToken previous = byContent.get(t.content());
            if (previous != null && previous.id() != t.id()) {
                throw malformed(file, "added token \"" + t.content() + "\" has id " + t.id()
                        + " but was already given id " + previous.id());
            }
            byContent.put(t.content(), t);
            files.put(t.content(), file);
        }

        java.util.Collection<AddedToken> values() {
            return byContent.values();
        }

        /** Ids below {@link BpeModel#idLimit} of the vocabulary's and these tokens' count, naming the file of the first that is not. */
        void checkIds(BpeModel bpe) throws CheckpointException {
            long limit = BpeModel.idLimit((long) bpe.entries() + byContent.size());
            for (AddedToken t : byContent.values()) {
                if (t.id() >= limit) {
                    throw malformed(files.get(t.content()), "added token \"" + t.content() + "\" has id " + t.id()
                            + ", not below " + limit + ", the most " + bpe.entries() + " vocabulary and " + byContent.size()
                            + " added tokens may use (twice their number plus " + BpeModel.ID_SLACK + ")");
                }
            }
        }
    }

    // ---- tokenizer.json (HF "fast" layout) ----

    private static Tokenizer fromTokenizerJson(Path file) throws IOException {
        JsonNode root = readTree(file);
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw malformed(file, "no \"model\" object");
        }
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw malformed(file, "model.type is \"" + type + "\"; only BPE is supported");
        }
        JsonNode vocabNode = model.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) {
            throw malformed(file, "no \"model.vocab\" object");
        }
        Map<String, Integer> vocab = HashMap.newHashMap(vocabNode.size());
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToInt()) {
                throw malformed(file, "model.vocab[\"" + e.getKey() + "\"] is not an integer id");
            }
            vocab.put(e.getKey(), e.getValue().intValue());
        }
        JsonNode mergesNode = model.get("merges");
        if (mergesNode == null || !mergesNode.isArray()) {
            throw malformed(file, "no \"model.merges\" array");
        }
        List<String[]> merges = new ArrayList<>(mergesNode.size());
        for (int i = 0; i < mergesNode.size(); i++) {
            JsonNode m = mergesNode.get(i);
            String[] pair = null;
            if (m.isTextual()) {
                pair = splitMerge(m.asText());
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[] {m.get(0).asText(), m.get(1).asText()};
            }
            if (pair == null) {
                throw malformed(file, "model.merges[" + i + "] is neither \"left right\" nor [left, right]: " + m);
            }
            merges.add(pair);
        }
        BpeModel bpe = buildBpe(vocab, merges, file, file, i -> "model.merges[" + i + "]");
        AddedTokens added = new AddedTokens();
        JsonNode addedNode = root.get("added_tokens");
        if (addedNode != null && !addedNode.isNull()) {
            if (!addedNode.isArray()) {
                throw malformed(file, "\"added_tokens\" is not an array");
            }
            for (int i = 0; i < addedNode.size(); i++) {
                JsonNode a = addedNode.get(i);
                JsonNode id = a.get("id");
                JsonNode content = a.get("content");
                if (id == null || !id.isIntegralNumber() || !id.canConvertToInt() || content == null || !content.isTextual()) {
                    throw malformed(file, "added_tokens[" + i + "] needs an integer \"id\" and a string \"content\"");
                }
                added.put(file, new AddedToken(id.intValue(), content.asText(), a.path("special").asBoolean(false)));
            }
        }
        return build(bpe, added, file.toString(), file);
    }

    // ---- shared ----

    private static BpeModel buildBpe(Map<String, Integer> vocab, List<String[]> merges, Path vocabFile,
                                     Path mergesFile, IntFunction<String> mergePlace) throws IOException {
        try {
            return new BpeModel(vocab, merges);
        } catch (BpeModel.BadMerge e) {
            throw new CheckpointException("malformed " + mergesFile + ": " + mergePlace.apply(e.index) + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("malformed " + vocabFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * The tokenizer of {@code bpe} and the added tokens, whose ids are bounded by the tokens defined; a
     * vocabulary without all 256 byte tokens is refused here, since encoding would fail on the missing bytes.
     */
    private static Tokenizer build(BpeModel bpe, AddedTokens added, String source, Path vocabFile)
            throws IOException {
        added.checkIds(bpe);
        Tokenizer tokenizer;
        try {
            tokenizer = new Tokenizer(bpe, added.values());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("malformed added tokens in " + source + ": " + e.getMessage(), e);
        }
        int missing = bpe.firstMissingByte();
        if (missing >= 0) {
            throw new CheckpointException(String.format("malformed %s: the vocabulary has no token for byte 0x%02X (\"%c\");"
                    + " a byte-level BPE vocabulary needs all 256", vocabFile, missing, ByteLevel.charOf(missing)));
        }
        return tokenizer;
    }

    /** A JSON file of a few MB at most: read whole, errors (syntax, UTF-8) naming it. */
    private static JsonNode readTree(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_JSON_TREE_BYTES) {
            // read whole as a tree, a JSON file costs many times its size in heap: refuse before reading
            throw malformed(file, size + " bytes, more than the " + MAX_JSON_TREE_BYTES + " a tokenizer JSON file may have");
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            if (root == null || root.isMissingNode()) {
                throw malformed(file, "the file holds no JSON value");
            }
            return root;
        } catch (JacksonException e) {
            throw new CheckpointException("malformed " + file + ": " + e.getOriginalMessage(), e);
        } catch (CharacterCodingException e) {
            throw new CheckpointException("malformed " + file + ": not UTF-8 text (" + e + ")", e);
        } catch (java.io.CharConversionException e) {
            // Jackson's encoding detection (UTF-16/32 by the first bytes) fails outside JacksonException
            throw new CheckpointException("malformed " + file + ": not valid JSON text (" + e.getMessage() + ")", e);
        }
    }

    private static CheckpointException malformed(Path file, String what) {
        return new CheckpointException("malformed " + file + ": " + what);
    }
}
