package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * HF's one-file {@code tokenizer.json} (BPE vocab, merges and added tokens).
 * Raw bytes: the input is the whole file, written as {@code tokenizer.json} of a copy of
 * {@code seeds/micro-tokenizer-json}; then the tokenizer is loaded ({@link Oracle} says what passes).
 */
class TokenizerJsonFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-tokenizer-json", "TokenizerJsonFuzzTest");

    @DictionaryEntries({
            "\\u0000", "\\ud800", "2147483647", "-1", "500000000", "null", "added_tokens", "merges", "vocab",
            "\"id\":", "\"content\":", "\"\"", "[\"a\",\"b\"]"})
    @FuzzTest(maxDuration = "10m")
    void tokenizerJson(byte[] input) {
        FOLDER.tokenizer("tokenizer.json", input, input);
    }
}
