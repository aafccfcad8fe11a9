package io.spikert.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Splits expected here come from qwen2_reference_tokenizer.py (the same regex run by Python's
 * {@code regex} module, whose {@code \s} is Unicode White_Space like Oniguruma's); each was also
 * read through by hand against the alternatives of the regex.
 */
class PreTokenizerTest {
    private static void check(String text, String... words) {
        assertEquals(List.of(words), PreTokenizer.split(text), () -> "split of \"" + text + "\"");
    }

    @Test
    void whitespaceRuns() {
        // \s+(?!\S) leaves the last space of a run to start the next word.
        check("a  b", "a", " ", " b");
        check("a \n b", "a", " \n", " b");
        check("x   ", "x", "   ");
        check("\n\n  \n", "\n\n  \n");
        check(" \t\n\tx", " \t\n", "\tx");
        check("hello world!!  ", "hello", " world", "!!", "  ");
        check("  ?!\n\nfoo", " ", " ?!\n\n", "foo");
        check("tab\t\t\t", "tab", "\t\t\t");
        check("...\n...", "...\n", "...");
        check("  \u3000x", "  ", "\u3000x");
    }

    @Test
    void unicodeWhitespaceIsWhiteSpaceProperty() {
        // U+00A0 and U+3000 are whitespace for Oniguruma but not for Java's default \s.
        check("a\u00a0\u00a0b", "a", "\u00a0", "\u00a0b");
        check("non\u00a0breaking\u3000ideographic\u2028line", "non", "\u00a0breaking", "\u3000ideographic", "\u2028line");
        // U+001C..U+001F are whitespace to Java's Character.isWhitespace but not White_Space.
        check("x\u001cy\u001f z", "x", "\u001cy", "\u001f", " z");
        // U+200B is not whitespace at all.
        check("\u200bzero\u200bwidth", "\u200bzero", "\u200bwidth");
    }

    @Test
    void contractionsAreCaseInsensitive() {
        check("it's 'S 'sx 'LL 'll've", "it", "'s", " '", "S", " '", "sx", " '", "LL", " '", "ll", "'ve");
        check("don't\r\n\r\nstop", "don", "'t", "\r\n\r\n", "stop");
        check("I'm sure they'll say DON'T, it'S", "I", "'m", " sure", " they", "'ll", " say", " DON", "'T", ",", " it", "'S");
        check(" 's", " '", "s");
        check("A'B", "A", "'B");
        // Unicode case folding: long s folds to s, as in Oniguruma and Python's regex.
        check("'\u017f long", "'\u017f", " long");
    }

    @Test
    void digitsSplitOneByOne() {
        check("1a2b33", "1", "a", "2", "b", "3", "3");
        check("Numbers 12345", "Numbers", " ", "1", "2", "3", "4", "5");
        check("\u0661\u0662 \u2167 \u00bd", "\u0661", "\u0662", " ", "\u2167", " ", "\u00bd");
    }

    @Test
    void mixedScriptsAndCode() {
        check("\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3068\u4e2d\u6587\u6587\u672c\u3002\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8",
                "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3068\u4e2d\u6587\u6587\u672c", "\u3002\ud55c\uad6d\uc5b4", " \ud14d\uc2a4\ud2b8");
        check("Emoji: \ud83d\ude00\ud83d\udc4d\ud83c\udffd family \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67",
                "Emoji", ":", " \ud83d\ude00\ud83d\udc4d\ud83c\udffd", " family", " \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67");
        check("def f(x):\n    return x**2  # square\n",
                "def", " f", "(x", "):\n", "   ", " return", " x", "**", "2", " ", " #", " square", "\n");
        check("Caf\u00e9, \u00e9\u0302 and", "Caf\u00e9", ",", " \u00e9", "\u0302", " and");
        check("=====#####!!!!....\r\n\r\n", "=====#####!!!!....\r\n\r\n");
    }

    @Test
    void wordsAlwaysConcatenateBackToTheText() {
        Random random = new Random(7);
        String alphabet = "ab Z9\n\r\t\u00a0\u3000'sS.!\u4e00\u0301\ud83d\ude00\u0661";
        for (int trial = 0; trial < 2000; trial++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(20);
            for (int i = 0; i < len; i++) {
                int at = random.nextInt(alphabet.length());
                if (Character.isHighSurrogate(alphabet.charAt(at))) {
                    sb.append(alphabet, at, at + 2);
                } else if (!Character.isLowSurrogate(alphabet.charAt(at))) {
                    sb.append(alphabet.charAt(at));
                }
            }
            String text = sb.toString();
            assertEquals(text, String.join("", PreTokenizer.split(text)));
        }
    }
}
