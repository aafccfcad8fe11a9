package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.file.Files;

/**
 * Token ids and added tokens, structure-aware: the input is a program of choices ({@link Decisions}) that
 * changes ids and contents across {@code vocab.json}, {@code tokenizer_config.json} and {@code added_tokens.json}
 * of a copy of {@code seeds/micro-tokenizer} ({@link TokenizerIdsMutator}); then the tokenizer is loaded and used.
 * Byte mutation rarely turns an id into 500000000 or 2^31-1; this target does it on every other input.
 */
class TokenizerIdsFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-tokenizer", "TokenizerIdsFuzzTest");
    private static final TokenizerIdsMutator MUTATOR;

    static {
        try {
            MUTATOR = new TokenizerIdsMutator(Files.readAllBytes(FOLDER.dir().resolve(TokenizerIdsMutator.VOCAB)),
                    Files.readAllBytes(FOLDER.dir().resolve(TokenizerIdsMutator.CONFIG)));
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void tokenizerIds(byte[] input) throws IOException {
        FOLDER.tokenizer(MUTATOR.mutate(new Decisions(input)), input);
    }
}
