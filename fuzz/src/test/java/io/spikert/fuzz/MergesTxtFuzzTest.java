package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The tokenizer's {@code merges.txt} (one merge rule a line).
 * Raw bytes: the input is the whole file, written as {@code merges.txt} of a copy of
 * {@code seeds/micro-tokenizer}; then the tokenizer is loaded ({@link Oracle} says what passes).
 */
class MergesTxtFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-tokenizer", "MergesTxtFuzzTest");

    // libFuzzer dictionary syntax: bytes outside printable ASCII as \xAB ("\xC4\xA0" is U+0120, byte-level space)
    @DictionaryEntries({"\\xC4\\xA0", " ", "\\x0A", "#version: 0.2", "\\xC3\\xBF", "\\x00"})
    @FuzzTest(maxDuration = "10m")
    void mergesTxt(byte[] input) {
        FOLDER.tokenizer("merges.txt", input, input);
    }
}
