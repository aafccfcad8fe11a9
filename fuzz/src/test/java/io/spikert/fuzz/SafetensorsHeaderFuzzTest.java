package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.file.Files;

/**
 * Safetensors, structure-aware: the input is a program of choices ({@link Decisions}) that corrupts the header
 * entries of the first shard of {@code seeds/micro-safetensors} while keeping it JSON, lies in the length field,
 * cuts the data, or writes NaN, infinity or extreme values into tensor elements ({@link SafetensorsMutator}).
 */
class SafetensorsHeaderFuzzTest {
    static final String FILE = "model-00001-of-00002.safetensors";
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-safetensors", "SafetensorsHeaderFuzzTest");
    private static final SafetensorsMutator MUTATOR;

    static {
        try {
            MUTATOR = new SafetensorsMutator(Files.readAllBytes(FOLDER.dir().resolve(FILE)), name -> name.contains("norm"));
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void safetensorsHeader(byte[] input) throws IOException {
        FOLDER.model(FILE, MUTATOR.mutate(new Decisions(input)), input);
    }
}
