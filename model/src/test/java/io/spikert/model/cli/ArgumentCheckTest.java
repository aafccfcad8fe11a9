package io.spikert.model.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.spikert.model.cli.CliTest.TINY;
import static io.spikert.model.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Every argument is checked before the weights load. The model folder here holds a valid config.json and no weights:
 * an argument checked first gives its own usage error; one checked only after loading would meet the missing
 * weights first.
 */
class ArgumentCheckTest {
    @TempDir
    Path dir;
    Path model;

    @BeforeEach
    void configWithoutWeights() throws IOException {
        model = Files.createDirectory(dir.resolve("model"));
        Files.copy(TINY.resolve("f32/config.json"), model.resolve("config.json")); // vocab 512, 4 layers
    }

    private static void usageError(CliTest.Result r, String... expected) {
        assertEquals(2, r.status(), r.err());
        for (String e : expected) {
            assertTrue(r.err().contains(e), "'" + e + "' in: " + r.err());
        }
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void tokenIdsAreCheckedAgainstTheVocabularyOfConfigJson() {
        usageError(run("generate", "--model", model.toString(), "--ids", "1,512"),
                "token id 512", "outside the vocabulary of 512", "config.json");
        usageError(run("score", "--model", model.toString(), "--ids", "7,600,2", "--logits", dir.resolve("l.f32").toString()),
                "token id 600");
        usageError(run("spikes", "--model", model.toString(), "--ids", "1,99999"), "token id 99999");
    }

    @Test
    void aPromptNeedsTokenizerFiles() {
        usageError(run("generate", "--model", model.toString(), "--prompt", "hello"), "no tokenizer files", "--ids");
        usageError(run("spikes", "--model", model.toString(), "--prompt", "hello"), "no tokenizer files");
    }

    @Test
    void rasterLayersAreCheckedAgainstTheLayerCount() {
        usageError(run("spikes", "--model", model.toString(), "--ids", "1,2", "--raster", dir.resolve("r.png").toString(),
                "--raster-layers", "0,9"), "layer 9 does not exist", "4 layers");
        assertFalse(Files.exists(dir.resolve("r.png")));
    }

    @Test
    void outputPathsAreCheckedBeforeTheModelLoads() throws IOException {
        usageError(run("score", "--model", model.toString(), "--ids", "1", "--logits", dir.resolve("no/l.f32").toString()),
                "--logits", "does not exist");
        Path folder = Files.createDirectory(dir.resolve("x.png"));
        usageError(run("spikes", "--model", model.toString(), "--ids", "1", "--raster", folder.toString()),
                "--raster " + folder, "is a folder");
    }

    @Test
    void spikesRefusesABaseCheckpointFromItsTensorNamesBeforeLoading() throws IOException {
        // one tensor of the base layout: the names say "no spiking"; loading would stop at the first missing tensor
        var w = new io.spikert.model.checkpoint.SafetensorsWriter();
        try (var ckpt = io.spikert.model.checkpoint.Checkpoints.open(TINY.resolve("f32"))) {
            w.add(ckpt.tensor("model.embeddings.weight"));
            w.write(model.resolve("model.safetensors"));
        }
        usageError(run("spikes", "--model", model.toString(), "--ids", "1,2"), "base model without spiking", "W8ASpike");
    }

    @Test
    void aMissingModelFolderSaysSo() {
        usageError(run("generate", "--model", dir.resolve("nope").toString(), "--ids", "1"), "does not exist");
        usageError(run("inspect", "--model", dir.resolve("nope").toString()), "does not exist");
        usageError(run("tokenize", "--model", dir.resolve("nope").toString(), "--text", "hi"), "does not exist");
    }

    @Test
    void aRasterIntoAMissingFolderPrintsNoStackTrace() {
        // the JDK's image writer prints a stack trace of its own to System.err when it cannot create the file
        PrintStream saved = System.err;
        var captured = new ByteArrayOutputStream();
        CliTest.Result r;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            r = run("spikes", "--model", "src/test/resources/tiny-w8aspike", "--ids", "1,2,3", "--threads", "1",
                    "--raster", dir.resolve("missing/r.png").toString());
        } finally {
            System.setErr(saved);
        }
        String all = r.err() + captured.toString(StandardCharsets.UTF_8);
        assertNotEquals(0, r.status(), all);
        assertTrue(r.err().contains("missing") && r.err().contains("does not exist"), all);
        assertFalse(all.contains("\tat "), all);
    }
}
