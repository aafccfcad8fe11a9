package io.spikert.fuzz;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The structure-aware mutators accept any input: an exception thrown by a mutator would be reported by Jazzer as a
 * finding of the target although the code under test never ran. Random and empty choice programs, many of each.
 */
class MutatorsTest {
    private static final int PROGRAMS = 5000;

    @Test
    void mutatorsNeverThrowAndChangeTheFile() throws Exception {
        Path st = FuzzFolder.seedPath("micro-safetensors");
        Path tok = FuzzFolder.seedPath("micro-tokenizer");
        byte[] shard = Files.readAllBytes(st.resolve(SafetensorsHeaderFuzzTest.FILE));
        byte[] config = Files.readAllBytes(st.resolve("config.json"));
        var safetensors = new SafetensorsMutator(shard, name -> name.contains("norm"));
        var configs = new ConfigMutator(config);
        var ids = new TokenizerIdsMutator(Files.readAllBytes(tok.resolve(TokenizerIdsMutator.VOCAB)),
                Files.readAllBytes(tok.resolve(TokenizerIdsMutator.CONFIG)));
        var random = new SplittableRandom(5);
        int changedShards = 0;
        for (int i = 0; i < PROGRAMS; i++) {
            byte[] program = new byte[random.nextInt(64)];
            random.nextBytes(program);
            if (!Arrays.equals(shard, safetensors.mutate(new Decisions(program)))) {
                changedShards++;
            }
            configs.mutate(new Decisions(program));
            ids.mutate(new Decisions(program));
        }
        assertTrue(changedShards > PROGRAMS * 9 / 10, "most programs change the shard: " + changedShards);
    }
}
