package io.spikert.model;

import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * JSON files whose first bytes make Jackson guess UTF-32 or UTF-16 and then fail: Jackson throws a
 * {@link java.io.CharConversionException}, an IOException outside its JacksonException family, which used to escape
 * without naming the file (found by the ConfigJsonBytes and VocabJson fuzz targets).
 */
class JsonEncodingTest {
    /** 00 00 00 7B reads as big-endian UTF-32 "{", then an invalid code point follows. */
    private static final byte[] UTF32_LOOKALIKE = {0, 0, 0, '{', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

    @Test
    void configJsonThatLooksLikeUtf32IsACheckpointErrorNamingTheFile(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("config.json"), UTF32_LOOKALIKE);
        var e = assertThrows(CheckpointException.class, () -> ModelConfig.load(dir));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void tokenizerJsonFilesThatLookLikeUtf32AreCheckpointErrorsNamingTheFile(@TempDir Path dir) throws IOException {
        for (String name : new String[] {"vocab.json", "tokenizer_config.json"}) {
            Path folder = Files.createDirectory(dir.resolve(name + "-folder"));
            try (var files = Files.list(PublishedFiles.dir())) {
                for (Path f : files.toList()) {
                    Files.copy(f, folder.resolve(f.getFileName().toString()));
                }
            }
            Files.write(folder.resolve(name), UTF32_LOOKALIKE);
            var e = assertThrows(CheckpointException.class, () -> Tokenizer.load(folder), name);
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }
}
