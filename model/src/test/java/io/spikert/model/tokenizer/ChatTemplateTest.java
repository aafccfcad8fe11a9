package io.spikert.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.model.tokenizer.ChatTemplate.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected strings worked out by hand from the chat_template Jinja in tokenizer_config.json. */
class ChatTemplateTest {
    @Test
    void singleUserMessageGetsDefaultSystemPrompt() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.render(List.of(new Message("user", "What is 2+2?")), true));
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n",
                ChatTemplate.render(List.of(new Message("user", "hi")), false));
    }

    @Test
    void leadingSystemMessageReplacesDefaultAndIsNotRepeated() {
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
                        + "<|im_start|>assistant\nhello<|im_end|>\n<|im_start|>user\nbye<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.render(List.of(new Message("system", "Be brief."), new Message("user", "hi"),
                        new Message("assistant", "hello"), new Message("user", "bye")), true));
    }

    @Test
    void laterSystemMessageIsItsOwnTurn() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\na<|im_end|>\n"
                        + "<|im_start|>system\nnow French<|im_end|>\n",
                ChatTemplate.render(List.of(new Message("user", "a"), new Message("system", "now French")), false));
    }

    @Test
    void consecutiveToolResultsShareOneUserTurn() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nq<|im_end|>\n"
                        + "<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n"
                        + "<|im_start|>assistant\n",
                ChatTemplate.render(List.of(new Message("user", "q"), new Message("tool", "r1"), new Message("tool", "r2")), true));
    }

    @Test
    void emptyConversationIsJustTheSystemPrompt() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.render(List.of(), true));
    }

    @Test
    void unknownRoleIsRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplate.render(List.of(new Message("narrator", "x")), true));
        assertTrue(e.getMessage().contains("narrator"), e.getMessage());
        assertThrows(NullPointerException.class, () -> new Message(null, "x"));
    }

    @Test
    void renderedPromptTokenizesWithSpecialTokens() {
        Tokenizer tok = QwenFiles.tokenizer();
        int[] ids = tok.encode(ChatTemplate.render(List.of(new Message("user", "hi")), true));
        // <|im_start|> system \n You are a helpful assistant . <|im_end|> \n <|im_start|> user \n hi <|im_end|> \n <|im_start|> assistant \n
        assertEquals(151644, ids[0]);
        assertEquals(198, ids[ids.length - 1]);
        assertEquals(77091, ids[ids.length - 2]); // "assistant", as in the Python reference golden
        assertEquals(151644, ids[ids.length - 3]);
        assertEquals(3, java.util.stream.IntStream.of(ids).filter(i -> i == 151644).count());
        assertEquals(2, java.util.stream.IntStream.of(ids).filter(i -> i == 151645).count());
    }
}
