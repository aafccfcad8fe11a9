package io.spikert.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The published SpikingBrain-7B folder's small files (config, generation config, tokenizer files), as bundled in
 * the model jar under {@code io/spikert/model/published/}, written once per test JVM into a temporary folder so
 * tests can point the loaders at a folder shaped like the download. The repository reads nothing outside itself.
 */
public final class PublishedFiles {
    /** SHA-256 of the files as published, for the tests that check the bundled copies are those files. */
    public static final String MERGES_SHA256 = "8831e4f1a044471340f7c0a83d7bd71306a5b867e95fd870f74d0c5308a904d5";
    public static final String VOCAB_SHA256 = "87a257b04b17642a0688c98cd1df89c398bda4fee532d6f88b38a659ecb4ac8d";

    private static final String RESOURCES = "/io/spikert/model/published/";
    private static final List<String> FILES = List.of("config.json", "generation_config.json", "added_tokens.json",
            "special_tokens_map.json", "tokenizer_config.json", "merges.txt.gz", "vocab.json.gz");
    private static Path dir;

    private PublishedFiles() {}

    /** The folder (config.json, vocab.json, merges.txt, ...); no weights. */
    public static synchronized Path dir() {
        if (dir == null) {
            try {
                Path d = Files.createTempDirectory("spikert-published-");
                for (String f : FILES) {
                    boolean gz = f.endsWith(".gz");
                    Path target = d.resolve(gz ? f.substring(0, f.length() - 3) : f);
                    try (InputStream raw = PublishedFiles.class.getResourceAsStream(RESOURCES + f)) {
                        if (raw == null) {
                            throw new IOException("missing bundled resource " + RESOURCES + f);
                        }
                        try (InputStream in = gz ? new GZIPInputStream(raw) : raw) {
                            Files.copy(in, target);
                        }
                    }
                    target.toFile().deleteOnExit();
                }
                d.toFile().deleteOnExit();
                dir = d;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }
}
