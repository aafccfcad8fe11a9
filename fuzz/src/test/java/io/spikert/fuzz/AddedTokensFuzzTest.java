package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The added tokens of {@code tokenizer_config.json} ({@code added_tokens_decoder}).
 * Raw bytes: the input is the whole file, written as {@code tokenizer_config.json} of a copy of
 * {@code seeds/micro-tokenizer}; then the tokenizer is loaded ({@link Oracle} says what passes).
 */
class AddedTokensFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-tokenizer", "AddedTokensFuzzTest");

    @DictionaryEntries({
            "\\u0000", "\\ud800", "2147483647", "-1", "500000000", "null", "\"content\":", "\"special\":",
            "\"\"", "added_tokens_decoder"})
    @FuzzTest(maxDuration = "10m")
    void addedTokens(byte[] input) {
        FOLDER.tokenizer("tokenizer_config.json", input, input);
    }
}
