package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The shard index JSON ({@code model.safetensors.index.json}; the torch index is read by the same code).
 * Raw bytes: the input is the whole file, written as {@code model.safetensors.index.json} of a copy of
 * {@code seeds/micro-safetensors}; then the model is loaded ({@link Oracle} says what passes).
 */
class ShardIndexFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-safetensors", "ShardIndexFuzzTest");

    @DictionaryEntries({
            "\\u0000", "../", "/", "\\\\", "/dev/zero", "weight_map", "metadata", "total_size",
            "model-00002-of-00002.safetensors", "config.json", "model.safetensors.index.json", "\"\":", "null",
            "[]", "{}"})
    @FuzzTest(maxDuration = "10m")
    void shardIndex(byte[] input) {
        FOLDER.model("model.safetensors.index.json", input, input);
    }
}
