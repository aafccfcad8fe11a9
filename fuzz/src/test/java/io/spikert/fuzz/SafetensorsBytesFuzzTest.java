package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Safetensors header and data, the first shard of a sharded BF16 checkpoint (embeddings and the GLA layer).
 * Raw bytes: the input is the whole file, written as {@code model-00001-of-00002.safetensors} of a copy of
 * {@code seeds/micro-safetensors}; then the model is loaded ({@link Oracle} says what passes).
 */
class SafetensorsBytesFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-safetensors", "SafetensorsBytesFuzzTest");

    @FuzzTest(maxDuration = "10m")
    void safetensorsShard(byte[] input) {
        FOLDER.model("model-00001-of-00002.safetensors", input, input);
    }
}
