package io.spikert.model.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static io.spikert.model.cli.CliTest.PUBLISHED;
import static io.spikert.model.cli.CliTest.TINY;
import static io.spikert.model.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

/** generate's sampling flags, --stop, --prompt-file and standard input; detokenize and its round trip with tokenize. */
class GenerateControlsTest {
    private static final String F32 = TINY.resolve("f32").toString();

    /** The tiny model's weights with the published tokenizer (its ids below 512 are byte-level tokens). */
    private static Path withTokenizer(Path dir) throws IOException {
        Path model = Files.createDirectory(dir.resolve("model"));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(TINY.resolve("f32").resolve(f), model.resolve(f));
        }
        for (String f : new String[] {"vocab.json", "merges.txt", "tokenizer_config.json", "added_tokens.json"}) {
            Files.copy(PUBLISHED.resolve(f), model.resolve(f));
        }
        return model;
    }

    static CliTest.Result runWithStdin(String stdin, boolean terminal, String... argv) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = Main.run(argv, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), terminal,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CliTest.Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void usageError(CliTest.Result r, String... expected) {
        assertEquals(2, r.status(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        for (String e : expected) {
            assertTrue(r.err().contains(e), "'" + e + "' in: " + r.err());
        }
    }

    @Test
    void badSamplingValuesNameTheirFlag() {
        String[][] cases = {
                {"--temperature", "-1"}, {"--top-k", "-2"}, {"--top-p", "0"}, {"--top-p", "1.5"}, {"--min-p", "2"},
                {"--presence-penalty", "3"}, {"--frequency-penalty", "NaN"}, {"--repetition-penalty", "0"}};
        for (String[] c : cases) {
            var r = run("generate", "--model", F32, "--ids", "1,2", c[0], c[1]);
            usageError(r, "spikert generate: " + c[0] + " must", c[1]);
        }
        usageError(run("generate", "--model", F32, "--ids", "1,2", "--stop", ""), "--stop", "empty");
        usageError(run("generate", "--model", F32, "--ids", "1,2", "--stop", "x"), "--stop needs the tokenizer");
        usageError(run("generate", "--model", F32, "--ids", "1,2", "--top-k", "many"), "--top-k", "many");
    }

    @Test
    void samplingFlagsReachTheSampler() {
        String ids = "5,9,200,31";
        var greedy = run("generate", "--model", F32, "--ids", ids, "--max-tokens", "6", "--format", "ids");
        assertEquals(0, greedy.status(), greedy.err());
        // top_k 1 leaves only the argmax, whatever the temperature and seed
        var topK1 = run("generate", "--model", F32, "--ids", ids, "--max-tokens", "6", "--format", "ids",
                "--temperature", "5", "--top-k", "1", "--seed", "9");
        assertEquals(greedy.out(), topK1.out());
        var minP1 = run("generate", "--model", F32, "--ids", ids, "--max-tokens", "6", "--format", "ids",
                "--temperature", "5", "--min-p", "1", "--seed", "9");
        assertEquals(greedy.out(), minP1.out());
        var hot = run("generate", "--model", F32, "--ids", ids, "--max-tokens", "6", "--format", "ids",
                "--temperature", "5", "--seed", "9");
        assertNotEquals(greedy.out(), hot.out(), "temperature 5 over 512 ids leaves the greedy path");
        // a penalty changes greedy output: repetition 1000 over the prompt and the output forbids repeating
        var penalized = run("generate", "--model", F32, "--ids", ids, "--max-tokens", "12", "--format", "ids",
                "--presence-penalty", "2", "--repetition-penalty", "1000");
        assertEquals(0, penalized.status(), penalized.err());
        var seen = new java.util.HashSet<>(java.util.List.of(ids.split(",")));
        for (String t : penalized.out().trim().split(",")) {
            assertTrue(seen.add(t), "token " + t + " repeated: " + penalized.out());
        }
    }

    @Test
    void withoutASeedARandomOneIsPrintedWithVerboseAndReproducesTheRun() {
        String ids = "5,9,200,31";
        var first = run("generate", "--model", F32, "--ids", ids, "--max-tokens", "8", "--format", "ids",
                "--temperature", "1.5", "--verbose");
        assertEquals(0, first.status(), first.err());
        var m = Pattern.compile("sampling seed (-?[0-9]+)").matcher(first.err());
        assertTrue(m.find(), first.err());
        var again = run("generate", "--model", F32, "--ids", ids, "--max-tokens", "8", "--format", "ids",
                "--temperature", "1.5", "--seed", m.group(1));
        assertEquals(first.out(), again.out());
    }

    @Test
    void stopStringsCutTheTextAndEndTheGeneration(@TempDir Path dir) throws IOException {
        String model = withTokenizer(dir).toString();
        // sampled with a fixed seed: greedy decoding of this tiny model soon reaches its eos id 511
        var full = run("generate", "--model", model, "--ids", "5,9,200,31", "--max-tokens", "24", "--temperature", "0.9", "--seed", "4");
        assertEquals(0, full.status(), full.err());
        String text = full.out().substring(0, full.out().length() - 1); // println's line break
        var fullIds = run("generate", "--model", model, "--ids", "5,9,200,31", "--max-tokens", "24", "--temperature", "0.9", "--seed", "4", "--format", "ids");
        // a stop taken from the middle of the greedy text (no U+FFFD, which stands for bytes, not text)
        String stop = null;
        for (int at = text.length() / 3; at + 2 <= text.length() && stop == null; at++) {
            String s = text.substring(at, at + 2);
            if (s.indexOf('\uFFFD') < 0 && !Character.isSurrogate(s.charAt(0)) && !Character.isSurrogate(s.charAt(1))) {
                stop = s;
            }
        }
        assertNotNull(stop, "a stop string in \"" + text + "\" from " + fullIds.out() + full.err());
        var cut = run("generate", "--model", model, "--ids", "5,9,200,31", "--max-tokens", "24", "--temperature", "0.9", "--seed", "4", "--stop", "zzzz-never", "--stop", stop);
        assertEquals(0, cut.status(), cut.err());
        assertEquals(text.substring(0, text.indexOf(stop)) + "\n", cut.out(), "stop " + stop);
        assertTrue(cut.err().contains("stop: stop string"), cut.err());
        var cutIds = run("generate", "--model", model, "--ids", "5,9,200,31", "--max-tokens", "24", "--temperature", "0.9", "--seed", "4", "--stop", stop, "--format", "ids");
        String ids = cutIds.out().trim();
        assertTrue(fullIds.out().trim().startsWith(ids) && ids.length() < fullIds.out().trim().length(),
                "ids up to the token completing the stop: " + ids + " of " + fullIds.out());
        var none = run("generate", "--model", model, "--ids", "5,9,200,31", "--max-tokens", "24", "--temperature", "0.9", "--seed", "4", "--stop", "zzzz-never");
        assertEquals(full.out(), none.out(), "a stop that never occurs changes nothing");
    }

    @Test
    void thePromptComesFromAFileOrStandardInput(@TempDir Path dir) throws IOException {
        String model = withTokenizer(dir).toString();
        var direct = run("generate", "--model", model, "--prompt", "a b c", "--max-tokens", "3", "--format", "ids");
        assertEquals(0, direct.status(), direct.err());
        Path file = Files.writeString(dir.resolve("prompt.txt"), "a b c\n");
        var fromFile = run("generate", "--model", model, "--prompt-file", file.toString(), "--max-tokens", "3", "--format", "ids");
        assertEquals(direct.out(), fromFile.out(), "one final line break is dropped");
        var piped = runWithStdin("a b c\r\n", false, "generate", "--model", model, "--max-tokens", "3", "--format", "ids");
        assertEquals(direct.out(), piped.out(), piped.err());
        var dash = runWithStdin("a b c", false, "generate", "--model", model, "--prompt", "-", "--max-tokens", "3", "--format", "ids");
        assertEquals(direct.out(), dash.out(), dash.err());
        var dashFile = runWithStdin("a b c", true, "generate", "--model", model, "--prompt-file", "-", "--max-tokens", "3", "--format", "ids");
        assertEquals(direct.out(), dashFile.out(), "asked for with -, a terminal is read too: " + dashFile.err());

        usageError(runWithStdin("a b c", true, "generate", "--model", model), "--prompt TEXT", "standard input");
        usageError(run("generate", "--model", model), "the prompt read from standard input is empty");
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n");
        usageError(run("generate", "--model", model, "--prompt-file", empty.toString()), "empty.txt is empty");
        usageError(run("generate", "--model", model, "--prompt-file", dir.resolve("none.txt").toString()), "none.txt", "does not exist");
        usageError(run("generate", "--model", model, "--prompt-file", file.toString(), "--ids", "1"), "--prompt-file", "--ids");
        Path bad = Files.write(dir.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9});
        usageError(run("generate", "--model", model, "--prompt-file", bad.toString()), "latin1.txt is not UTF-8");
        // score shares the input options but reads standard input only when asked
        usageError(runWithStdin("a b c", false, "score", "--model", model, "--logits", dir.resolve("l.f32").toString()),
                "--prompt TEXT or --ids");
    }

    @Test
    void detokenizeInvertsTokenize(@TempDir Path dir) throws IOException {
        String model = withTokenizer(dir).toString();
        for (String text : new String[] {"The capital of France is Paris.", "<|im_start|>user\nhé 𓀀 東京<|im_end|>\n", "  two  spaces"}) {
            var tokens = run("tokenize", "--model", model, "--text", text);
            assertEquals(0, tokens.status(), tokens.err());
            var back = run("detokenize", "--model", model, "--ids", tokens.out().trim());
            assertEquals(0, back.status(), back.err());
            assertEquals(text + "\n", back.out());
            var piped = runWithStdin(tokens.out(), false, "detokenize", "--model", model);
            assertEquals(text + "\n", piped.out(), piped.err());
        }
        var plain = run("detokenize", "--model", model, "--ids", "64, 293,272");
        var json = run("detokenize", "--model", model, "--ids", "[64,293,272]");
        assertEquals(plain.out(), json.out());
        usageError(run("detokenize", "--model", model, "--ids", "1,999999"), "999999", "outside");
        usageError(run("detokenize", "--model", model, "--ids", "1,x"), "--ids", "'x'");
        usageError(runWithStdin("", true, "detokenize", "--model", model), "--ids");
        usageError(run("detokenize", "--model", F32, "--ids", "1"), "no tokenizer files");
    }

    @Test
    void helpListsTheNewFlags() {
        var r = run("generate", "--help");
        for (String flag : new String[] {"--top-k", "--top-p", "--min-p", "--presence-penalty", "--frequency-penalty",
                "--repetition-penalty", "--stop", "--prompt-file", "--seed"}) {
            assertTrue(r.out().contains(flag), flag + " in:\n" + r.out());
        }
        var d = run("detokenize", "--help");
        assertEquals(0, d.status());
        assertTrue(d.out().contains("--ids"), d.out());
        assertTrue(run("--help").out().contains("detokenize"));
    }
}
