package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * {@code config.json} as bytes (the structure-aware twin is {@link ConfigJsonFuzzTest}).
 * Raw bytes: the input is the whole file, written as {@code config.json} of a copy of {@code seeds/micro-safetensors}, then the
 * model is loaded ({@link Oracle} says what passes).
 */
class ConfigJsonBytesFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-safetensors", "ConfigJsonBytesFuzzTest");

    @FuzzTest(maxDuration = "10m")
    void configJsonBytes(byte[] input) {
        FOLDER.model("config.json", input, input);
    }
}
