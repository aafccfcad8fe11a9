package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The tokenizer's {@code vocab.json} (token to id).
 * Raw bytes: the input is the whole file, written as {@code vocab.json} of a copy of
 * {@code seeds/micro-tokenizer}; then the tokenizer is loaded ({@link Oracle} says what passes).
 */
class VocabJsonFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-tokenizer", "VocabJsonFuzzTest");

    @DictionaryEntries({"\\u0000", "\\ud800", "2147483647", "-1", "500000000", "1e3", "null", "\"\":", "\"\\u0120\":"})
    @FuzzTest(maxDuration = "10m")
    void vocabJson(byte[] input) {
        FOLDER.tokenizer("vocab.json", input, input);
    }
}
