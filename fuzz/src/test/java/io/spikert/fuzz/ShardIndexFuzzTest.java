package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The shard index JSON ({@code model.safetensors.index.json}; the torch index is read by the same code).
 * Raw bytes: the input is the whole file, written as {@code model.safetensors.index.json} of a copy of {@code seeds/micro-safetensors}, then the
 * model is loaded ({@link Oracle} says what passes).
 */
class ShardIndexFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-safetensors", "ShardIndexFuzzTest");

    @FuzzTest(maxDuration = "10m")
    void shardIndex(byte[] input) {
        FOLDER.model("model.safetensors.index.json", input, input);
    }
}
