package io.spikert.model.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The published SpikingBrain-7B (Qwen2.5) tokenizer files (bundled copies), loaded once for all tests. */
final class QwenFiles {
    private static Tokenizer tokenizer;

    private QwenFiles() {}

    static Path dir() {
        return io.spikert.model.PublishedFiles.dir();
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
