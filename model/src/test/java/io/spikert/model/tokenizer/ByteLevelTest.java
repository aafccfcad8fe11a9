package io.spikert.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ByteLevelTest {
    @Test
    void knownCharactersOfGpt2Alphabet() {
        // Values of GPT-2's bytes_to_unicode, familiar from every vocab.json: space is Ġ, newline Ċ.
        assertEquals('Ġ', ByteLevel.charOf(' '));
        assertEquals('Ċ', ByteLevel.charOf('\n'));
        assertEquals('ĉ', ByteLevel.charOf('\t'));
        assertEquals('Ā', ByteLevel.charOf(0));
        assertEquals('A', ByteLevel.charOf('A'));
        assertEquals('¡', ByteLevel.charOf(0xA1));
        assertEquals('ÿ', ByteLevel.charOf(0xFF));
        // Non-printable bytes count up from U+0100: 0..32 take U+0100..U+0120, DEL is next, and the
        // soft hyphen 0xAD, the last of all 68, gets U+0143.
        assertEquals('\u0121', ByteLevel.charOf(0x7F));
        assertEquals('\u0143', ByteLevel.charOf(0xAD));
    }

    @Test
    void mapIsABijectionThatRoundTrips() {
        Set<Character> seen = new HashSet<>();
        byte[] all = new byte[256];
        for (int b = 0; b < 256; b++) {
            seen.add(ByteLevel.charOf(b));
            all[b] = (byte) b;
        }
        assertEquals(256, seen.size());
        assertArrayEquals(all, ByteLevel.decode(ByteLevel.encode(all)));
        assertNull(ByteLevel.decode("<|im_end|>\u4e00"));
    }
}
