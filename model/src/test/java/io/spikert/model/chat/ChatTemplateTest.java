package io.spikert.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.model.PublishedFiles;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a model folder's template, the built-in fallback, and errors; ChatTemplateGoldenTest checks renderings. */
class ChatTemplateTest {
    /** What the hand-written ChatML renderer that this replaced gave for one user message (the CLI's --chat). */
    private static final String ONE_USER_MESSAGE = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
            + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n";

    @TempDir
    Path dir;

    @Test
    void spikingBrainsOwnTemplateRendersOneUserMessageAsBefore() throws IOException {
        ChatTemplate t = ChatTemplate.load(PublishedFiles.dir());
        assertFalse(t.isBuiltin());
        assertTrue(t.source().endsWith("tokenizer_config.json (chat_template)"), t.source());
        assertEquals(Map.of("bos_token", "<|im_start|>", "eos_token", "<|endoftext|>", "pad_token", "<|endoftext|>"),
                t.specialTokens());
        assertEquals(ONE_USER_MESSAGE, t.render(List.of(ChatMessage.user("What is 2+2?")), true));
        // the built-in fallback is the same template
        assertEquals(t.text(), ChatTemplate.builtin().text());
    }

    @Test
    void builtinChatMlKeepsTheOldRenderersBehaviour() {
        ChatTemplate b = ChatTemplate.builtin();
        assertTrue(b.isBuiltin());
        assertEquals(ONE_USER_MESSAGE, b.render(List.of(ChatMessage.user("What is 2+2?")), true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
                        + "<|im_start|>assistant\nhello<|im_end|>\n<|im_start|>user\nbye<|im_end|>\n<|im_start|>assistant\n",
                b.render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("hi"), ChatMessage.assistant("hello"),
                        ChatMessage.user("bye")), true));
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nq<|im_end|>\n"
                        + "<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n"
                        + "<|im_start|>assistant\n",
                b.render(List.of(ChatMessage.user("q"), ChatMessage.tool(null, null, "r1"), ChatMessage.tool(null, null, "r2")), true));
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>assistant\n",
                b.render(List.of(), true));
    }

    @Test
    void renderedPromptTokenizesWithSpecialTokens() throws IOException {
        Tokenizer tok = Tokenizer.load(PublishedFiles.dir());
        int[] ids = tok.encode(ChatTemplate.builtin().render(List.of(ChatMessage.user("hi")), true));
        assertEquals(151644, ids[0]); // <|im_start|>
        assertEquals(198, ids[ids.length - 1]); // "\n"
        assertEquals(77091, ids[ids.length - 2]); // "assistant", as in the Python reference golden
        assertEquals(3, IntStream.of(ids).filter(i -> i == 151644).count());
        assertEquals(2, IntStream.of(ids).filter(i -> i == 151645).count());
    }

    @Test
    void folderWithoutTemplateFallsBackAndSaysWhy() throws IOException {
        ChatTemplate none = ChatTemplate.load(dir);
        assertTrue(none.isBuiltin());
        assertTrue(none.source().contains("built-in Qwen2.5 ChatML") && none.source().contains("has no tokenizer_config.json"),
                none.source());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": {\"content\": \"</s>\"}}");
        ChatTemplate noField = ChatTemplate.load(dir);
        assertTrue(noField.isBuiltin());
        assertTrue(noField.source().contains("names no chat_template"), noField.source());
        assertEquals(Map.of("eos_token", "</s>"), noField.specialTokens());
    }

    @Test
    void chatTemplateJinjaFileAndNamedTemplateLists() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"chat_template\": "
                + "[{\"name\": \"tool_use\", \"template\": \"T\"}, {\"name\": \"default\", \"template\": \"{{ bos_token }}D\"}]}");
        ChatTemplate named = ChatTemplate.load(dir);
        assertEquals("<s>D", named.render(List.of(), false));
        assertTrue(named.source().contains("\"default\""), named.source());
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ bos_token }}{{ messages[0].content }}J\n");
        ChatTemplate file = ChatTemplate.load(dir);
        assertEquals("<s>hiJ", file.render(List.of(ChatMessage.user("hi")), false));
        assertEquals(dir.resolve("chat_template.jinja").toString(), file.source());
    }

    @Test
    void malformedConfigNamesTheFile() throws IOException {
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(config, "{\"chat_template\": 5}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> ChatTemplate.load(dir));
        assertTrue(e.getMessage().contains(config.toString()) && e.getMessage().contains("chat_template"), e.getMessage());
        Files.writeString(config, "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"x\"}]}");
        e = assertThrows(CheckpointException.class, () -> ChatTemplate.load(dir));
        assertTrue(e.getMessage().contains("\"default\""), e.getMessage());
        Files.writeString(config, "{\"chat_template\": ");
        e = assertThrows(CheckpointException.class, () -> ChatTemplate.load(dir));
        assertTrue(e.getMessage().contains(config.toString()), e.getMessage());
        Files.writeString(config, "{\"eos_token\": 7}");
        e = assertThrows(CheckpointException.class, () -> ChatTemplate.load(dir));
        assertTrue(e.getMessage().contains("eos_token"), e.getMessage());
    }

    @Test
    void raiseExceptionAndJinjaErrorsNameTheTemplate() {
        ChatTemplate strict = ChatTemplate.of("strict.jinja", "{% for m in messages %}{% if m.role == 'system' %}"
                + "{{ raise_exception('System role not supported') }}{% endif %}{{ m.content }}{% endfor %}", Map.of());
        assertEquals("hi", strict.render(List.of(ChatMessage.user("hi")), false));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> strict.render(List.of(ChatMessage.system("s")), false));
        assertTrue(e.raisedByTemplate());
        assertEquals("strict.jinja", e.templateSource());
        assertEquals("the chat template strict.jinja refused the conversation: System role not supported", e.getMessage());

        ChatTemplate broken = ChatTemplate.of("broken.jinja", "line one\n{% if %}{% endif %}", Map.of());
        e = assertThrows(ChatTemplateException.class, () -> broken.render(List.of(), false));
        assertFalse(e.raisedByTemplate());
        assertTrue(e.getMessage().startsWith("the chat template broken.jinja failed: line 2"), e.getMessage());
    }

    @Test
    void messageContentIsDataNeverTemplateText() {
        String content = "{{ 7 * 7 }} {% if true %}x{% endif %} {# c #}";
        assertEquals(ONE_USER_MESSAGE.replace("What is 2+2?", content),
                ChatTemplate.builtin().render(List.of(ChatMessage.user(content)), true));
    }

    @Test
    void toolCallArgumentsObjectOrText() {
        ChatTemplate t = ChatTemplate.of("t", "{% for c in messages[0].tool_calls %}{{ c.id }} {{ c.type }} {{ c.function.name }}"
                + " {{ c.function.arguments | tojson }};{% endfor %}", Map.of());
        assertEquals("a function f {\"x\": [1, 2], \"y\": \"é\"};b function g \"not json\";",
                t.render(List.of(ChatMessage.assistant(null, List.of(new ToolCall("a", "f", "{\"x\":[1,2],\"y\":\"é\"}"),
                        new ToolCall("b", "g", "not json")))), false));
    }

    @Test
    void variablesOverrideSpecialTokensButNotTheConversation() {
        ChatTemplate t = ChatTemplate.of("t", "{{ bos_token }}|{{ enable_thinking }}|{{ messages | length }}",
                Map.of("bos_token", "<s>"));
        assertEquals("<s>|false|1", t.render(List.of(ChatMessage.user("u")), null, false, Map.of("enable_thinking", false)));
        assertEquals("[B]||1", t.render(List.of(ChatMessage.user("u")), null, false,
                Map.of("bos_token", "[B]", "messages", List.of())));
    }
}
