package io.spikert.model.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.spikert.model.cli.CliTest.PUBLISHED;
import static io.spikert.model.cli.CliTest.TINY;
import static io.spikert.model.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

/** The command line through picocli: typed options, --help for each command, suggestions for typos. */
class ArgumentParsingTest {
    @Test
    void tokenizeOutputIsAcceptedByIds(@TempDir Path dir) throws IOException {
        // the tiny model's weights with the published tokenizer; "a b c" encodes to ids inside its vocabulary of 512
        Path model = Files.createDirectory(dir.resolve("model"));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(TINY.resolve("f32").resolve(f), model.resolve(f));
        }
        for (String f : new String[] {"vocab.json", "merges.txt", "tokenizer_config.json", "added_tokens.json"}) {
            Files.copy(PUBLISHED.resolve(f), model.resolve(f));
        }
        CliTest.Result tokens = run("tokenize", "--model", model.toString(), "--text", "a b c");
        assertEquals(0, tokens.status(), tokens.err());
        String printed = tokens.out().trim();
        assertTrue(printed.startsWith("[") && printed.endsWith("]"), printed);

        CliTest.Result fromIds = run("generate", "--model", model.toString(), "--ids", printed, "--max-tokens", "3",
                "--format", "ids", "--threads", "1");
        assertEquals(0, fromIds.status(), fromIds.err());
        CliTest.Result fromPrompt = run("generate", "--model", model.toString(), "--prompt", "a b c", "--max-tokens", "3",
                "--format", "ids", "--threads", "1");
        assertEquals(0, fromPrompt.status(), fromPrompt.err());
        assertEquals(fromPrompt.out(), fromIds.out(), "the printed ids are the prompt's tokens");
        CliTest.Result spaced = run("generate", "--model", model.toString(), "--ids", " [ 64, 293,272 ] ", "--max-tokens", "3",
                "--format", "ids", "--threads", "1");
        assertEquals(fromIds.out(), spaced.out());
    }

    @Test
    void aMistypedOptionGetsASuggestion() {
        CliTest.Result r = run("generate", "--mdoel", "x", "--ids", "1");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("--mdoel") && r.err().contains("did you mean --model"), r.err());
        CliTest.Result s = run("score", "--model", "x", "--ids", "1", "--logit", "l.f32");
        assertEquals(2, s.status(), s.err());
        assertTrue(s.err().contains("did you mean --logits"), s.err());
    }

    @Test
    void aMistypedCommandGetsASuggestion() {
        CliTest.Result r = run("genrate", "--model", "x");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("unknown command 'genrate'") && r.err().contains("did you mean generate"), r.err());
    }

    @Test
    void everyCommandHasHelpListingItsOptions() {
        String[][] expected = {
                {"generate", "--model", "--prompt", "--ids", "--chat", "--max-tokens", "--temperature", "--seed", "--format",
                        "--threads", "--k", "--device", "--verbose"},
                {"score", "--logits", "--force", "--mode", "--device"},
                {"tokenize", "--model", "--text"},
                {"inspect", "--model", "--tensors"},
                {"demo", "--prompt", "--max-tokens", "--threads", "--cache"},
                {"spikes", "--coding", "--json", "--raster", "--raster-layers", "--raster-tokens", "--force", "--k"},
                {"convert", "--model", "--out", "--to", "--force"}};
        for (String[] e : expected) {
            CliTest.Result r = run(e[0], "--help");
            assertEquals(0, r.status(), r.err());
            for (int i = 1; i < e.length; i++) {
                assertTrue(r.out().contains(e[i]), e[0] + " --help lists " + e[i] + ":\n" + r.out());
            }
        }
    }

    @Test
    void typedOptionsRejectWhatTheyCannotConvert() {
        CliTest.Result r = run("generate", "--model", "x", "--ids", "1", "--seed", "many");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("--seed") && r.err().contains("many"), r.err());
        CliTest.Result twice = run("generate", "--model", "x", "--ids", "1", "--ids", "2");
        assertEquals(2, twice.status(), twice.err());
        assertTrue(twice.err().contains("--ids"), twice.err());
        CliTest.Result stray = run("inspect", "--model", "x", "extra");
        assertEquals(2, stray.status(), stray.err());
        assertTrue(stray.err().contains("extra"), stray.err());
    }
}
