package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.file.Files;

/**
 * {@code config.json}, structure-aware: the input is a program of choices ({@link Decisions}) that gives one to
 * four keys of the seed config a new JSON value ({@link ConfigMutator}); the result is written into a copy of
 * {@code seeds/micro-safetensors} and the model is loaded and run. Reaches what a config value sizes (layer
 * arrays, KV rings, workspaces, RoPE tables) far more often than byte mutation, which mostly breaks the JSON.
 */
class ConfigJsonFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-safetensors", "ConfigJsonFuzzTest");
    private static final ConfigMutator MUTATOR;

    static {
        try {
            MUTATOR = new ConfigMutator(Files.readAllBytes(FOLDER.dir().resolve("config.json")));
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void configJson(byte[] input) throws IOException {
        FOLDER.model("config.json", MUTATOR.mutate(new Decisions(input)), input);
    }
}
