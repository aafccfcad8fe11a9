package io.spikert.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8Test {
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static String lossy(int... values) {
        byte[] b = bytes(values);
        return Utf8.decodeLossy(b, 0, b.length);
    }

    @Test
    void maximalSubpartsAsInTheUnicodeStandard() {
        // The Unicode Standard, chapter 3, "U+FFFD Substitution of Maximal Subparts" example:
        // 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 -> a FFFD FFFD FFFD b FFFD c FFFD FFFD d
        assertEquals("a\ufffd\ufffd\ufffdb\ufffdc\ufffd\ufffdd",
                lossy(0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64));
        // Surrogate (ED A0 ..) and overlong (C0, E0 80) forms: every byte is its own subpart.
        assertEquals("\ufffd\ufffd\ufffd\ufffd", lossy(0xED, 0xA0, 0xA0, 0xE0));
        assertEquals("\ufffd\ufffd", lossy(0xC0, 0x80));
        assertEquals("\ufffd\ufffd\ufffd", lossy(0xE0, 0x80, 0x80));
        assertEquals("\ufffd\ufffd", lossy(0xF4, 0x90));
        assertEquals("\ufffd\ufffd", lossy(0xF5, 0xFF));
        assertEquals("\ufffd", lossy(0xF0, 0x9F, 0x98));
        assertEquals("\ud83d\ude00", lossy(0xF0, 0x9F, 0x98, 0x80));
        assertEquals("\ud7ff\ue000\udbff\udfff", lossy(0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBF));
    }

    @Test
    void agreesWithJavaOnWellFormedText() {
        Random random = new Random(9);
        for (int trial = 0; trial < 500; trial++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 30; i++) {
                int cp;
                do {
                    cp = random.nextInt(4) == 0 ? random.nextInt(0x110000) : random.nextInt(0x800);
                } while (cp >= 0xD800 && cp <= 0xDFFF);
                sb.appendCodePoint(cp);
            }
            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
            assertEquals(sb.toString(), Utf8.decodeLossy(b, 0, b.length));
        }
    }

    @Test
    void incompleteTailOnlyForSequencesThatCanStillComplete() {
        assertEquals(1, Utf8.incompleteTailStart(bytes('a', 0xF0, 0x9F, 0x98), 4));
        assertEquals(5, Utf8.incompleteTailStart(bytes('a', 0xF0, 0x9F, 0x98, 0x80), 5)); // complete: nothing held
        assertEquals(0, Utf8.incompleteTailStart(bytes(0xE4), 1));
        assertEquals(2, Utf8.incompleteTailStart(bytes(0xED, 0xA0), 2)); // surrogate: can never complete
        assertEquals(2, Utf8.incompleteTailStart(bytes(0xE0, 0x80), 2)); // overlong
        assertEquals(1, Utf8.incompleteTailStart(bytes(0xFF), 1));
        assertEquals(3, Utf8.incompleteTailStart(bytes(0x80, 0x80, 0x80), 3));
        assertEquals(0, Utf8.incompleteTailStart(bytes(), 0));
    }
}
