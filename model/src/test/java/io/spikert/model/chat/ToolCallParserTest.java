package io.spikert.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ToolCallParserTest {
    private static Supplier<String> ids() {
        AtomicInteger n = new AtomicInteger();
        return () -> "call_" + n.getAndIncrement();
    }

    @Test
    void plainReplyIsContent() {
        ToolCallParser.Parsed p = ToolCallParser.parse("Hello there.", ids());
        assertEquals("Hello there.", p.content());
        assertTrue(p.toolCalls().isEmpty());
    }

    @Test
    void qwenStyleCallsWithTextBefore() {
        String reply = "Let me check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\"}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\":\"search\",\"arguments\":{\"q\":\"a\",\"n\":[1,2.5]}}\n</tool_call>";
        ToolCallParser.Parsed p = ToolCallParser.parse(reply, ids());
        assertEquals("Let me check both.", p.content());
        assertEquals(List.of(new ToolCall("call_0", "get_weather", "{\"city\": \"Zürich\"}"),
                new ToolCall("call_1", "search", "{\"q\": \"a\", \"n\": [1, 2.5]}")), p.toolCalls());
    }

    @Test
    void whatTheTemplateRendersParsesBack() {
        // round trip: an assistant turn rendered by SpikingBrain's template, read back as the model's reply
        ToolCall call = new ToolCall("x", "get_weather", "{\"city\": \"Oslo\", \"days\": 2}");
        String rendered = ChatTemplate.builtin().render(List.of(ChatMessage.assistant(null, List.of(call))), false);
        String reply = rendered.substring(rendered.indexOf("assistant\n") + "assistant\n".length(), rendered.lastIndexOf("<|im_end|>"));
        ToolCallParser.Parsed p = ToolCallParser.parse(reply, () -> "x");
        assertNull(p.content());
        assertEquals(List.of(call), p.toolCalls());
    }

    @Test
    void cutOffLastCallCountsWhenItsJsonIsComplete() {
        ToolCallParser.Parsed p = ToolCallParser.parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n", ids());
        assertEquals(List.of(new ToolCall("call_0", "f", "{}")), p.toolCalls());
        String cut = "<tool_call>\n{\"name\": \"f\", \"argu";
        assertEquals(cut, ToolCallParser.parse(cut, ids()).content());
        assertTrue(ToolCallParser.parse(cut, ids()).toolCalls().isEmpty());
    }

    @Test
    void malformedCallsAreKeptAsContent() {
        for (String reply : List.of("<tool_call>not json</tool_call>", "<tool_call>{\"arguments\": {}}</tool_call>",
                "<tool_call>{\"name\": \"f\", \"arguments\": 5}</tool_call>",
                "<tool_call>{\"name\": \"f\"}</tool_call> and then text")) {
            ToolCallParser.Parsed p = ToolCallParser.parse(reply, ids());
            assertEquals(reply, p.content());
            assertTrue(p.toolCalls().isEmpty(), reply);
        }
        // arguments given as JSON text, and Llama's "parameters", are accepted
        assertEquals("{\"a\": 1}", ToolCallParser.parse("<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}</tool_call>",
                ids()).toolCalls().getFirst().arguments());
        assertEquals("{\"a\": 1}", ToolCallParser.parse("<tool_call>{\"name\": \"f\", \"parameters\": {\"a\": 1}}</tool_call>",
                ids()).toolCalls().getFirst().arguments());
    }

    @Test
    void defaultIdsLookLikeOpenAis() {
        String id = ToolCallParser.parse("<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>").toolCalls().getFirst().id();
        assertTrue(id.matches("call_[A-Za-z0-9]{24}"), id);
    }

    @Test
    void streamingHoldsBackWhatMayBecomeATag() {
        assertEquals(5, ToolCallParser.contentPrefixLength("Hello"));
        assertEquals(6, ToolCallParser.contentPrefixLength("Hello <tool_"));
        assertEquals(6, ToolCallParser.contentPrefixLength("Hello <tool_call>{\"na"));
        assertEquals(8, ToolCallParser.contentPrefixLength("Hello <x")); // "<x" starts no tag
        assertEquals(0, ToolCallParser.contentPrefixLength("<"));
    }
}
