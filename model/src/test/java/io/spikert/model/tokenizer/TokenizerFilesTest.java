package io.spikert.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both file layouts on tiny hand-made tokenizers, and the errors for missing or broken files. */
class TokenizerFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Byte tokens 0..255 in byte order, then he=256, ll=257, hell=258, hello=259, Ġw=260. */
    private static ObjectNode tinyVocab() {
        ObjectNode vocab = JSON.createObjectNode();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.charOf(b)), b);
        }
        vocab.put("he", 256);
        vocab.put("ll", 257);
        vocab.put("hell", 258);
        vocab.put("hello", 259);
        vocab.put("\u0120w", 260);
        return vocab;
    }

    private void writeTokenizerJson(ObjectNode vocab, ArrayNode merges) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.set("vocab", vocab);
        model.set("merges", merges);
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", 300).put("content", "<|end|>").put("special", true);
        added.addObject().put("id", 301).put("content", "<x>").put("special", false);
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
    }

    private static ArrayNode mixedMerges() {
        ArrayNode merges = JSON.createArrayNode();
        merges.add("h e");
        merges.addArray().add("l").add("l"); // newer tokenizer.json files write pairs as arrays
        merges.add("he ll");
        merges.addArray().add("hell").add("o");
        merges.add("\u0120 w");
        return merges;
    }

    @Test
    void tokenizerJsonWithStringAndArrayMerges() throws IOException {
        writeTokenizerJson(tinyVocab(), mixedMerges());
        assertTrue(Tokenizer.isPresent(dir));
        Tokenizer tok = Tokenizer.load(dir);
        // hello -> 259, <|end|> -> 300, " w" -> Ġw 260, <x> -> 301, "!" -> byte token 33
        assertArrayEquals(new int[] {259, 300, 260, 301, 33}, tok.encode("hello<|end|> w<x>!"));
        assertArrayEquals(new int[] {259, '<', '|', 'e', 'n', 'd', '|', '>'}, tok.encodeOrdinary("hello<|end|>"));
        assertEquals("hello<|end|> w<x>!", tok.decode(tok.encode("hello<|end|> w<x>!")));
        assertEquals(302, tok.vocabSize());
        assertEquals(OptionalInt.of(300), tok.tokenId("<|end|>"));
        assertTrue(tok.isSpecial(300));
        assertFalse(tok.isSpecial(301));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.token(280));
        assertTrue(e.getMessage().contains("280"), e.getMessage()); // a hole between the vocab and added ids
    }

    @Test
    void tokenizerJsonWinsOverVocabAndMerges() throws IOException {
        writeTokenizerJson(tinyVocab(), mixedMerges());
        Files.writeString(dir.resolve("vocab.json"), "{}");
        Files.writeString(dir.resolve("merges.txt"), "");
        assertArrayEquals(new int[] {259}, Tokenizer.load(dir).encode("hello"));
    }

    @Test
    void vocabAndMergesWithAddedTokensFromConfig() throws IOException {
        Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(tinyVocab()));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nh e\nl l\nhe ll\nhell o\n\u0120 w\n\n");
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"added_tokens_decoder": {"300": {"content": "<|end|>", "special": true},
                                          "301": {"content": "<x>", "special": false}},
                 "chat_template": "ignored here"}""");
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<|end|>\": 300, \"<x>\": 301, \"<y>\": 302}");
        Tokenizer tok = Tokenizer.load(dir);
        assertArrayEquals(new int[] {259, 300, 260, 301, 302}, tok.encode("hello<|end|> w<x><y>"));
        assertEquals(303, tok.vocabSize());
        assertTrue(tok.isSpecial(300));
        assertFalse(tok.isSpecial(301)); // added_tokens.json carries no flag and keeps the config's
    }

    @Test
    void missingFilesNameTheFolderAndTheFiles() throws IOException {
        assertFalse(Tokenizer.isPresent(dir));
        IOException e = assertThrows(IOException.class, () -> Tokenizer.load(dir));
        for (String part : new String[] {dir.toString(), "tokenizer.json", "vocab.json", "merges.txt"}) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
        Files.writeString(dir.resolve("vocab.json"), "{}");
        assertFalse(Tokenizer.isPresent(dir));
        e = assertThrows(IOException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("missing: merges.txt"), e.getMessage());
    }

    @Test
    void malformedFilesAreNamed() throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, ");
        Files.writeString(dir.resolve("merges.txt"), "");
        IOException e = assertThrows(IOException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("vocab.json").toString()), e.getMessage());

        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": 1}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\n");
        e = assertThrows(IOException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("merges.txt") + ": line 2"), e.getMessage());
        assertTrue(e.getMessage().contains("\"ab\""), e.getMessage());

        Files.writeString(dir.resolve("merges.txt"), "a b c\n");
        e = assertThrows(IOException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());

        Files.writeString(dir.resolve("merges.txt"), "");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"added_tokens_decoder\": {\"1\": {\"content\": \"<z>\"}}}");
        e = assertThrows(IOException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("<z>") && e.getMessage().contains("tokenizer_config.json"), e.getMessage());

        Files.writeString(dir.resolve("tokenizer.json"), "not json");
        e = assertThrows(IOException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString()), e.getMessage());

        ArrayNode merges = mixedMerges();
        merges.add(7);
        writeTokenizerJson(tinyVocab(), merges);
        e = assertThrows(IOException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("model.merges[5]"), e.getMessage());
    }
}
