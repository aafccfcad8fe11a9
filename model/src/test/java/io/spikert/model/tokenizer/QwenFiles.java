package io.spikert.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The published SpikingBrain-7B (Qwen2.5) tokenizer files in shared/, loaded once for all tests. */
final class QwenFiles {
    private static Tokenizer tokenizer;

    private QwenFiles() {}

    static Path dir() {
        String shared = System.getProperty("spikert.shared");
        assertTrue(shared != null, "system property spikert.shared is not set (surefire sets it)");
        Path dir = Path.of(shared, "spikingbrain-7b");
        assertTrue(Files.isDirectory(dir), "missing " + dir);
        return dir;
    }

    static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            try {
                tokenizer = Tokenizer.load(dir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizer;
    }
}
