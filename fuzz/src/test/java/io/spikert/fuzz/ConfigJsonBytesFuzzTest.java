package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * {@code config.json} as bytes (the structure-aware twin is {@link ConfigJsonFuzzTest}).
 * Raw bytes: the input is the whole file, written as {@code config.json} of a copy of
 * {@code seeds/micro-safetensors}; then the model is loaded ({@link Oracle} says what passes).
 */
class ConfigJsonBytesFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-safetensors", "ConfigJsonBytesFuzzTest");

    @DictionaryEntries({
            "\\u0000", "2147483647", "-1", "1e400", "4.9e-324", "NaN", "null", "[]", "{}", "sliding_window",
            "num_hidden_layers", "vocab_size", "attn_layers", "eos_token_id"})
    @FuzzTest(maxDuration = "10m")
    void configJsonBytes(byte[] input) {
        FOLDER.model("config.json", input, input);
    }
}
