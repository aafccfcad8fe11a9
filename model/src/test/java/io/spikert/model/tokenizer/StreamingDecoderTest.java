package io.spikert.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    private final Tokenizer tok = QwenFiles.tokenizer();

    private int byteToken(int b) {
        return tok.tokenId(String.valueOf(ByteLevel.charOf(b))).getAsInt();
    }

    @Test
    void emojiSplitIntoSingleByteTokensAppearsWhole() {
        StreamingDecoder d = tok.streamingDecoder();
        byte[] smile = "\ud83d\ude00".getBytes(StandardCharsets.UTF_8); // F0 9F 98 80
        assertEquals("", d.push(byteToken(smile[0] & 0xFF)));
        assertEquals("", d.push(byteToken(smile[1] & 0xFF)));
        assertEquals("", d.push(byteToken(smile[2] & 0xFF)));
        assertEquals("\ud83d\ude00", d.push(byteToken(smile[3] & 0xFF)));
        assertEquals("", d.flush());
    }

    @Test
    void realEncodingOfEmojiAndCjkStreamsCleanly() {
        String text = "family \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 and \u65e5\u672c\u8a9e \ud83c\uddeb\ud83c\uddf7!";
        StreamingDecoder d = tok.streamingDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : tok.encode(text)) {
            String piece = d.push(id);
            assertFalse(piece.contains("\ufffd"), () -> "broken character printed: " + piece);
            if (!piece.isEmpty()) {
                assertFalse(Character.isHighSurrogate(piece.charAt(piece.length() - 1)), "half a surrogate pair printed");
            }
            out.append(piece);
        }
        out.append(d.flush());
        assertEquals(text, out.toString());
    }

    @Test
    void unfinishedCharacterIsReplacedOnFlush() {
        StreamingDecoder d = tok.streamingDecoder();
        assertEquals("", d.push(byteToken(0xE4)));            // lead byte of a 3-byte character
        assertEquals("", d.push(byteToken(0xB8)));
        assertEquals("\ufffdA", d.push(tok.tokenId("A").getAsInt())); // the character can no longer complete
        assertEquals("", d.push(byteToken(0xF0)));
        assertEquals("\ufffd", d.flush());
        assertEquals("", d.flush());
    }

    /** Whatever bytes arrive, pushes plus flush equal a one-shot decode of all ids. */
    @Test
    void joinedOutputEqualsDecodeForRandomByteTokens() {
        Random random = new Random(5);
        int[] interesting = {0x41, 0x20, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
        for (int trial = 0; trial < 3000; trial++) {
            List<Integer> ids = new ArrayList<>();
            int n = 1 + random.nextInt(10);
            for (int i = 0; i < n; i++) {
                int r = random.nextInt(4);
                ids.add(r == 0 ? random.nextInt(151665) : byteToken(interesting[random.nextInt(interesting.length)]));
            }
            int[] arr = ids.stream().mapToInt(Integer::intValue).toArray();
            StreamingDecoder d = tok.streamingDecoder();
            StringBuilder out = new StringBuilder();
            for (int id : arr) {
                out.append(d.push(id));
            }
            out.append(d.flush());
            assertEquals(tok.decode(arr), out.toString(), () -> "ids " + ids);
        }
    }
}
