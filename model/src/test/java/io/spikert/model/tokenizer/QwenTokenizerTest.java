package io.spikert.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The tokenizer on the published SpikingBrain-7B files. */
class QwenTokenizerTest {
    private final Tokenizer tok = QwenFiles.tokenizer();

    private void golden(String text, int... ids) {
        assertArrayEquals(ids, tok.encode(text), () -> "ids of \"" + text + "\": " + Arrays.toString(tok.encode(text)));
    }

    @Test
    void idsPublishedInModelMd() {
        golden("The capital of France is", 785, 6722, 315, 9625, 374);
        golden("Hello, how are you?", 9707, 11, 1246, 525, 498, 30);
    }

    /**
     * Ids from qwen2_reference_tokenizer.py (Python: regex module + GPT-2's original BPE loop, run on
     * the same files; it reproduces the two MODEL.md examples above). Regenerate with
     * {@code python3 qwen2_reference_tokenizer.py shared/spikingbrain-7b golden}.
     */
    @Test
    void idsFromIndependentPythonReference() {
        golden("I'm sure they'll say DON'T, we've, you'd, she's, it'S",
                40, 2776, 2704, 807, 3278, 1977, 44273, 17323, 11, 582, 3003, 11, 498, 4172, 11, 1340, 594, 11, 432, 13272);
        golden("  leading spaces,\ttabs\t\tand\n\n\ntrailing   \n  ",
                220, 6388, 12621, 11, 3244, 3435, 197, 52477, 1406, 376, 14277, 5872, 256);
        golden("Numbers 12345 and 3.14159, x=-7e10",
                27237, 220, 16, 17, 18, 19, 20, 323, 220, 18, 13, 16, 19, 16, 20, 24, 11, 856, 10829, 22, 68, 16, 15);
        golden("\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3068\u4e2d\u6587\u6587\u672c\u3002\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8",
                101059, 102819, 15767, 56833, 61803, 70534, 19182, 104811, 108704, 1773, 23573, 124785, 31079, 10764, 44104, 53189);
        golden("Emoji: \ud83d\ude00\ud83d\udc4d\ud83c\udffd family \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 flags \ud83c\uddeb\ud83c\uddf7",
                92731, 25, 90316, 144349, 145375, 2997, 61804, 101, 378, 235, 145233, 378, 235, 145665, 8042, 11162, 229, 104, 145070);
        golden("Cafe\u0301 vs Caf\u00e9, e\u0301\u0302 and \u00c5",
                34, 2577, 963, 6165, 65671, 11, 3958, 136, 224, 323, 79252);
        golden("def f(x):\n    return x**2  # square\n",
                750, 282, 2075, 982, 262, 470, 856, 334, 17, 220, 671, 9334, 198);
        golden("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                151644, 872, 198, 6023, 151645, 198, 151644, 77091, 198);
        golden("<tool_call>{\"a\": 1}</tool_call><|endoftext|>",
                151657, 4913, 64, 788, 220, 16, 92, 151658, 151643);
        golden("non\u00a0breaking\u3000ideographic\u2028line",
                6280, 4102, 36657, 22441, 94007, 378, 101, 1056);
        golden("'\u017f long s and Kelvin \u212a",
                6, 144815, 1293, 274, 323, 90973, 730);
        golden("\u00dcber stra\u00dfe \u00c7A VA? \u00bfQu\u00e9 tal? \u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!",
                52491, 652, 607, 64, 23455, 63005, 32, 20901, 30, 28286, 65706, 8210, 30, 79484, 26991, 8178, 11, 137144, 0);
        golden("=====#####!!!!....\r\n\r\n",
                46725, 67331, 17085, 1934, 871);
    }

    /**
     * 400 random mixes of tricky pieces (Unicode whitespace, contractions, combining marks, emoji,
     * added tokens and near misses), with ids from the Python reference; see its "cases" mode.
     */
    @Test
    void randomCasesFromIndependentPythonReference() throws IOException {
        Path file = Path.of(System.getProperty("basedir", ""))
                .resolve("src/test/java/io/spikert/model/tokenizer/reference_cases.jsonl");
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(file);
        assertEquals(400, lines.size(), file.toString());
        for (String line : lines) {
            JsonNode c = json.readTree(line);
            String text = c.get("text").asText();
            int[] expected = json.convertValue(c.get("ids"), int[].class);
            assertArrayEquals(expected, tok.encode(text), () -> "ids of " + c.get("text"));
        }
    }

    @Test
    void idsCheckedByHandAgainstVocab() {
        // Digits never merge: each is its own token "0".."9" = ids 15..24 in vocab.json.
        assertArrayEquals(new int[] {16, 17, 18, 19, 20}, tok.encode("12345"));
        assertEquals(OptionalInt.of(15), tok.tokenId("0"));
        // "I'm" is "I" + "'m"; "DON'T" is "DON" + "'T" (the contraction regex is case-insensitive).
        assertArrayEquals(new int[] {tok.tokenId("I").getAsInt(), tok.tokenId("'m").getAsInt()}, tok.encode("I'm"));
        assertArrayEquals(new int[] {tok.tokenId("DON").getAsInt(), tok.tokenId("'T").getAsInt()}, tok.encode("DON'T"));
        assertEquals("\u0120the", tok.token(tok.encode(" the")[0]));
    }

    @Test
    void addedTokens() {
        int[] ids = tok.encode("<|im_start|>user\nhi<|im_end|>");
        assertTrue(IntStream.of(ids).anyMatch(i -> i == 151644), Arrays.toString(ids));
        assertTrue(IntStream.of(ids).anyMatch(i -> i == 151645), Arrays.toString(ids));
        assertEquals(OptionalInt.of(151645), tok.tokenId("<|im_end|>"));
        assertEquals(OptionalInt.of(151643), tok.tokenId("<|endoftext|>"));
        assertEquals(OptionalInt.of(151657), tok.tokenId("<tool_call>"));
        assertEquals(OptionalInt.empty(), tok.tokenId("<|not_a_token|>"));
        assertEquals("<|im_end|>", tok.token(151645));
        assertEquals("<|im_end|>", tok.decode(new int[] {151645}));
        assertTrue(tok.isSpecial(151645));
        assertFalse(tok.isSpecial(151657)); // <tool_call> is added but not special
        assertFalse(tok.isSpecial(785));
        assertEquals(22, tok.addedTokens().size());
        // encodeOrdinary treats the same text as plain characters.
        int[] ordinary = tok.encodeOrdinary("<|im_end|>");
        assertTrue(ordinary.length > 1 && IntStream.of(ordinary).allMatch(i -> i < 151643), Arrays.toString(ordinary));
        assertEquals("<|im_end|>", tok.decode(ordinary));
    }

    @Test
    void vocabSizeAndUnknownIds() {
        assertEquals(151665, tok.vocabSize());
        for (int bad : new int[] {-1, 151665, 152063}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {bad}));
            assertTrue(e.getMessage().contains(Integer.toString(bad)), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> tok.token(bad));
            assertTrue(e.getMessage().contains(Integer.toString(bad)), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> tok.decodeBytes(bad));
            assertThrows(IllegalArgumentException.class, () -> tok.streamingDecoder().push(bad));
        }
    }

    @Test
    void decodeBytesOfByteTokens() {
        // vocab.json id 220 is "Ġ" (a space), 198 "Ċ" (newline); the 4 bytes of 😀 come apart in rare cases.
        assertArrayEquals(new byte[] {' '}, tok.decodeBytes(220));
        assertArrayEquals(new byte[] {'\n'}, tok.decodeBytes(198));
        byte[] copy = tok.decodeBytes(220);
        copy[0] = 'x';
        assertArrayEquals(new byte[] {' '}, tok.decodeBytes(220), "decodeBytes must hand out copies");
        // Lone continuation byte: decode gives U+FFFD rather than failing.
        int cont = tok.tokenId(String.valueOf(ByteLevel.charOf(0x80))).getAsInt();
        assertEquals("\ufffd", tok.decode(new int[] {cont}));
    }

    @Test
    void roundTripIsNfcOfInput() {
        String[] texts = {
            "", " ", "plain ascii text.", "\u65e5\u672c\u8a9e\u3068\u4e2d\u6587", "\ud83d\ude00 \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 \ud83c\uddeb\ud83c\uddf7",
            "e\u0301 a\u0308 \u1100\u1161\u11a8 \u212b", "   \t\t  \n\n\n  \r\n  ", "12345 67890", "I'm DON'T they'll",
            "mixed \u0410\u0411\u0412 \u03b1\u03b2\u03b3 \u05d0\u05d1 \u0627\u0644\u0639\u0631\u0628\u064a\u0629", "\u0000\u0001\u007f\u0080\u00ad",
            "<|im_start|>x<|im_end|>y<|fim_prefix|>", "<|im_end", "\udbff\udfff \ud800\udc00", "ﬁ ﬀ ½ ² ㎏",
        };
        for (String s : texts) {
            String nfc = Normalizer.normalize(s, Normalizer.Form.NFC);
            assertEquals(nfc, tok.decode(tok.encode(s)), () -> "round trip of \"" + s + "\"");
            assertEquals(nfc, tok.decode(tok.encodeOrdinary(s)), () -> "ordinary round trip of \"" + s + "\"");
        }
    }

    @Test
    void randomTextRoundTripsAndLongRunsWork() {
        Random random = new Random(3);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            int kind = random.nextInt(10);
            int cp = switch (kind) {
                case 0 -> 0x4E00 + random.nextInt(0x5000);      // CJK
                case 1 -> 0x1F300 + random.nextInt(0x300);      // emoji
                case 2 -> 0x300 + random.nextInt(0x70);         // combining marks
                case 3 -> " \t\n\r\u00a0\u3000".charAt(random.nextInt(6));
                case 4 -> '0' + random.nextInt(10);
                default -> 0x20 + random.nextInt(0x5F);         // printable ASCII
            };
            sb.appendCodePoint(cp);
        }
        sb.append("=".repeat(5000)).append(" ".repeat(3000)).append("ab".repeat(2000));
        String text = sb.toString();
        assertEquals(Normalizer.normalize(text, Normalizer.Form.NFC), tok.decode(tok.encode(text)));
        // A second pass is served from the word cache and must agree with the first.
        int[] first = tok.encode(text);
        assertArrayEquals(first, tok.encode(text));
    }
}
