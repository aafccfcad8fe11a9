package io.spikert.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.PublishedFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders the conversations of {@code chat-templates/conversations.json} with SpikingBrain's template, Llama 3.1's
 * and a template of the Jinja features HF templates use, and compares each prompt with the string Hugging Face's own Jinja implementation ({@code @huggingface/jinja},
 * through scripts/golden/chat_templates.mjs) rendered into {@code chat-templates/golden.json}, byte for byte; a
 * conversation the template refuses must be refused with the same message.
 */
class ChatTemplateGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode resource(String name) throws IOException {
        try (InputStream in = ChatTemplateGoldenTest.class.getResourceAsStream("/chat-templates/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource chat-templates/" + name);
            }
            return JSON.readTree(in);
        }
    }

    /** The templates of conversations.json by name, each loaded from a model folder as the CLI loads it. */
    private static Map<String, ChatTemplate> templates() throws IOException, URISyntaxException {
        Map<String, ChatTemplate> t = new HashMap<>();
        t.put("spikingbrain", ChatTemplate.load(PublishedFiles.dir()));
        for (String name : List.of("llama3.1-json", "features")) {
            t.put(name, ChatTemplate.load(Path.of(ChatTemplateGoldenTest.class.getResource("/chat-templates/" + name).toURI())));
        }
        return t;
    }

    /** A message in Hugging Face's form (tool-call arguments as objects) as a ChatMessage (arguments as JSON text). */
    static ChatMessage message(JsonNode m) {
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode c : m.path("tool_calls")) {
            JsonNode f = c.get("function");
            calls.add(new ToolCall(c.path("id").asText(null), f.get("name").asText(), f.get("arguments").toString()));
        }
        JsonNode content = m.get("content");
        return new ChatMessage(m.get("role").asText(), content == null || content.isNull() ? null : content.asText(),
                calls, m.path("tool_call_id").asText(null), m.path("name").asText(null));
    }

    @TestFactory
    Stream<DynamicTest> rendersAsHuggingFaceJinja() throws Exception {
        JsonNode input = resource("conversations.json");
        JsonNode golden = resource("golden.json");
        Map<String, ChatTemplate> templates = templates();
        Map<String, Object> variables = JSON.convertValue(input.get("variables"), Map.class);
        Map<String, JsonNode> cases = new HashMap<>();
        input.get("cases").forEach(c -> cases.put(c.get("name").asText(), c));
        List<DynamicTest> tests = new ArrayList<>();
        assertEquals(templates.size() * cases.size() * 2, golden.get("results").size(),
                "golden.json is not rendered from the current conversations.json: regenerate it (scripts/golden/README.md)");
        for (JsonNode r : golden.get("results")) {
            String name = r.get("template").asText() + " / " + r.get("case").asText() + " / add_generation_prompt="
                    + r.get("add_generation_prompt").asBoolean();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                ChatTemplate template = templates.get(r.get("template").asText());
                JsonNode c = cases.get(r.get("case").asText());
                List<ChatMessage> messages = new ArrayList<>();
                c.get("messages").forEach(m -> messages.add(message(m)));
                List<JsonNode> tools = null;
                if (c.has("tools")) {
                    tools = new ArrayList<>();
                    input.get("tools").get(c.get("tools").asText()).forEach(tools::add);
                }
                boolean agp = r.get("add_generation_prompt").asBoolean();
                if (r.has("error")) {
                    List<JsonNode> t = tools;
                    ChatTemplateException e = assertThrows(ChatTemplateException.class,
                            () -> template.render(messages, t, agp, variables));
                    assertTrue(e.raisedByTemplate(), e.getMessage());
                    assertTrue(e.getMessage().contains(r.get("error").asText()), e.getMessage());
                    assertTrue(e.getMessage().contains(template.source()), e.getMessage());
                } else {
                    String actual = template.render(messages, tools, agp, variables);
                    assertEquals(r.get("expected").asText(), actual);
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void goldenFileCoversEachTemplateWithToolsAndARefusal() throws IOException {
        JsonNode golden = resource("golden.json");
        assertTrue(golden.get("generator").asText().startsWith("@huggingface/jinja "), golden.get("generator").asText());
        int errors = 0;
        for (JsonNode r : golden.get("results")) {
            errors += r.has("error") ? 1 : 0;
        }
        assertTrue(errors > 0 && errors < golden.get("results").size() / 4, "refusals: " + errors);
        assertFalse(golden.toString().contains("Today Date: 0"), "a rendering depends on today's date");
    }
}
