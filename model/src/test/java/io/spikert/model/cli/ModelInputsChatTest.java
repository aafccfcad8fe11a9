package io.spikert.model.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.spikert.model.PublishedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --chat}: the prompt goes through the model folder's own chat template. */
class ModelInputsChatTest {
    private static InputOptions chat(Path dir, String prompt) {
        InputOptions o = new InputOptions();
        o.model = dir;
        o.prompt = prompt;
        o.chat = true;
        return o;
    }

    @Test
    void spikingBrainChatPromptIsTheChatMlOfBefore() throws IOException {
        ModelInputs in = ModelInputs.check(chat(PublishedFiles.dir(), "What is 2+2?"));
        // the string the hand-written ChatML renderer gave before the model's template was rendered
        assertArrayEquals(in.tokenizer.encode("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n"), in.ids);
    }

    @Test
    void aFoldersOwnTemplateIsUsed(@TempDir Path dir) throws IOException {
        try (Stream<Path> files = Files.list(PublishedFiles.dir())) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Files.writeString(dir.resolve("chat_template.jinja"), "[{{ messages[0].role }}] {{ messages[0].content }}\n");
        ModelInputs in = ModelInputs.check(chat(dir, "hi"));
        assertArrayEquals(in.tokenizer.encode("[user] hi"), in.ids);
    }
}
