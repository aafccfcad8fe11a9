package io.spikert.model.cli;

import io.spikert.model.SpikingBrainModel;
import io.spikert.model.chat.ChatMessage;
import io.spikert.model.chat.ChatTemplate;
import io.spikert.model.generate.Generator;
import io.spikert.model.generate.Sampler;
import io.spikert.model.generate.StopTokens;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code spikert chat}: turns read from standard input, each reply streamed; the second turn prefills only its new
 * tokens, and its reply equals a fresh session's reply to the whole conversation rendered by the template.
 */
class ChatCommandTest {
    @TempDir
    static Path dir;

    @Test
    void theSecondTurnPrefillsOnlyItsNewTokensAndRepliesAsAFreshSessionWould() throws Exception {
        Path model = dir.resolve("chat-model");
        SyntheticCheckpoint.write(model, new SyntheticCheckpoint.Dims(152064, 64, 2, 2, 1, 128, 8), DType.BF16, 5, x -> { });
        var r = GenerateControlsTest.runWithStdin("Hello\n\nAnd again?\n/exit\nnot read\n", false,
                "chat", "--model", model.toString(), "--max-tokens", "6");
        assertEquals(0, r.status(), r.err());
        List<String> replies = r.out().lines().toList();
        assertEquals(2, replies.size(), "two turns (the blank line skipped, nothing after /exit): " + r.out());
        Matcher m = Pattern.compile("\\[(\\d+) prompt tokens, (\\d+) prefilled").matcher(r.err());
        assertTrue(m.find(), r.err());
        int prompt1 = Integer.parseInt(m.group(1));
        assertEquals(prompt1, Integer.parseInt(m.group(2)), "the first turn prefills its whole prompt");
        assertTrue(m.find(), r.err());
        int prompt2 = Integer.parseInt(m.group(1));
        int prefilled2 = Integer.parseInt(m.group(2));
        assertTrue(prompt2 > prompt1 && prefilled2 <= prompt2 - prompt1, "turn 2 prefilled " + prefilled2 + " of " + prompt2
                + ": not the first turn again");

        try (var cpu = new CpuBackend(2); var lm = SpikingBrainModel.load(model, cpu)) {
            Tokenizer tok = Tokenizer.load(model);
            String text = ChatTemplate.load(model).render(List.of(ChatMessage.user("Hello"), ChatMessage.assistant(replies.get(0)),
                    ChatMessage.user("And again?")), true);
            int[] ids = tok.encode(text);
            assertEquals(prompt2, ids.length, "the second turn's prompt is the whole conversation");
            var result = new Generator(StopTokens.of(lm.config(), tok), Math.min(lm.config().vocabSize(), tok.vocabSize()))
                    .generate(lm.newSession(), ids, 6, Sampler.greedy(), id -> { });
            int[] out = result.tokens();
            String expected = tok.decode(result.stopReason() == Generator.StopReason.STOP_TOKEN
                    ? java.util.Arrays.copyOf(out, out.length - 1) : out);
            assertEquals(expected, replies.get(1));
        }
    }

    @Test
    void aFolderWithoutTokenizerIsRefused() {
        var r = GenerateControlsTest.runWithStdin("", false, "chat", "--model", CliTest.TINY.resolve("f32").toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("no tokenizer"), r.err());
    }
}
