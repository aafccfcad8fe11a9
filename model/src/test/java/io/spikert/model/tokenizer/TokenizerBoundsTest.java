package io.spikert.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.model.checkpoint.CheckpointException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile tokenizer files found by fuzzing: ids size tables only up to a small multiple of the tokens the
 * files define, and every bad file is a {@link CheckpointException} naming it, at load, never a runtime
 * error at load or during encoding.
 */
class TokenizerBoundsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Byte tokens 0..255 in byte order, then he=256. */
    private static ObjectNode byteVocab() {
        ObjectNode vocab = JSON.createObjectNode();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.charOf(b)), b);
        }
        vocab.put("he", 256);
        return vocab;
    }

    private void writeSlow(String vocabJson, String merges) throws IOException {
        Files.writeString(dir.resolve("vocab.json"), vocabJson);
        Files.writeString(dir.resolve("merges.txt"), merges);
    }

    private CheckpointException refused(String file, String... parts) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve(file).toString()), e.getMessage());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
        return e;
    }

    @Test
    void aHugeIdInATinyVocabularyAllocatesNothingOfItsSize() throws IOException {
        writeSlow("{\"a\": 500000000}", "");
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        refused("vocab.json", "500000000");
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 64L << 20, "refusing a 16-byte vocab.json allocated " + allocated + " bytes");
    }

    @Test
    void idsAtTheIntLimitDoNotOverflow() throws IOException {
        writeSlow("{\"a\": 2147483647}", "");
        refused("vocab.json", "2147483647"); // was a NegativeArraySizeException in BpeModel.<init>

        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.set("vocab", byteVocab());
        model.putArray("merges").add("h e");
        root.putArray("added_tokens").addObject().put("id", Integer.MAX_VALUE).put("content", "<|x|>");
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
        refused("tokenizer.json", "2147483647"); // was an ArrayIndexOutOfBounds in Tokenizer.<init>

        ((ObjectNode) root.get("added_tokens").get(0)).put("id", 1L << 32); // not an int: was wrapped to 0
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
        refused("tokenizer.json", "added_tokens[0]");
    }

    @Test
    void addedTokenIdsAreBoundedInTheSlowLayoutToo() throws IOException {
        writeSlow(JSON.writeValueAsString(byteVocab()), "h e\n");
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"added_tokens_decoder\": {\"2147483647\": {\"content\": \"<|x|>\", \"special\": true}}}");
        refused("tokenizer_config.json", "2147483647");
        Files.delete(dir.resolve("tokenizer_config.json"));
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<|y|>\": 100000000}");
        refused("added_tokens.json", "100000000");
        // ids just past the vocabulary, as Qwen's added tokens are, still load
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<|y|>\": 257, \"<|z|>\": 300}");
        assertArrayEquals(new int[] {256, 257, 300}, Tokenizer.load(dir).encode("he<|y|><|z|>"));
    }

    @Test
    void aVocabularyWithoutEveryByteTokenIsRefusedAtLoadNotWhenEncoding() throws IOException {
        ObjectNode vocab = byteVocab();
        vocab.remove("b");
        writeSlow(JSON.writeValueAsString(vocab), "h e\n");
        refused("vocab.json", "0x62");
    }

    @Test
    void emptyJsonFilesAreRefusedNamingThem() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "");
        refused("tokenizer.json");
        // an empty tokenizer_config.json used to be taken for one without added tokens
        Files.delete(dir.resolve("tokenizer.json"));
        writeSlow(JSON.writeValueAsString(byteVocab()), "h e\n");
        Files.writeString(dir.resolve("tokenizer_config.json"), "  ");
        refused("tokenizer_config.json", "no JSON value");
    }

    @Test
    void malformedUtf8NamesTheFile() throws IOException {
        byte[] bad = {'h', ' ', (byte) 0xC3, (byte) 0x28, '\n'};
        Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(byteVocab()));
        Files.write(dir.resolve("merges.txt"), bad);
        refused("merges.txt", "UTF-8");

        Files.write(dir.resolve("merges.txt"), new byte[0]);
        Files.write(dir.resolve("vocab.json"), "{\"\u00e9\": 0}".replace("\u00e9", "\u00e9").getBytes(StandardCharsets.ISO_8859_1));
        refused("vocab.json");

        Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(byteVocab()));
        Files.write(dir.resolve("tokenizer_config.json"),
                "{\"added_tokens_decoder\": {\"300\": {\"content\": \"<\u00e9>\"}}}".getBytes(StandardCharsets.ISO_8859_1));
        refused("tokenizer_config.json");
    }

    @Test
    void anOversizedTokenizerJsonIsRefusedBeforeItIsRead() throws IOException {
        // sparse: 65 MiB on paper, a few bytes on disk; reading it as a tree would take gigabytes of heap
        try (var f = java.nio.channels.FileChannel.open(dir.resolve("tokenizer.json"),
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.wrap(new byte[] {'{'}), TokenizerFiles.MAX_JSON_TREE_BYTES);
        }
        refused("tokenizer.json", "bytes, more than the " + TokenizerFiles.MAX_JSON_TREE_BYTES);
    }
}
