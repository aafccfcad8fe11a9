package io.spikert.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.generate.SamplingParams;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Replies that call tools, as the server answers them: whole (OpenAI {@code tool_calls}, finish_reason
 * "tool_calls") and streamed (content passed on only while it cannot start a {@code <tool_call>}, the calls at the
 * end), for replies split into pieces at every position.
 */
class ToolCallResponseTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CALL = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    static ResponseWriter writer(boolean tools) {
        var g = new GenerationRequest(new int[] {1}, 8, SamplingParams.GREEDY, List.of(), false, 0, false);
        return new ResponseWriter(JSON, new ParsedRequest(true, g, false, false, tools), "chatcmpl-x", "m");
    }

    @Test
    void aWholeReplyThatCallsAToolBecomesToolCalls() throws Exception {
        var end = new GenerationEvent.Finished("stop", 10, 20, 0);
        JsonNode c = writer(true).complete("Let me check.\n" + CALL, List.of(), end).path("choices").get(0);
        assertEquals("tool_calls", c.path("finish_reason").asText());
        assertEquals("Let me check.", c.path("message").path("content").asText());
        JsonNode call = c.path("message").path("tool_calls").get(0);
        assertEquals("function", call.path("type").asText());
        assertTrue(call.path("id").asText().startsWith("call_"));
        assertEquals("get_weather", call.path("function").path("name").asText());
        assertEquals("Paris", JSON.readTree(call.path("function").path("arguments").asText()).path("city").asText());
        // without tools offered the same text is content
        JsonNode plain = writer(false).complete(CALL, List.of(), end).path("choices").get(0);
        assertEquals(CALL, plain.path("message").path("content").asText());
        assertEquals("stop", plain.path("finish_reason").asText());
    }

    @Test
    void aStreamedReplyHoldsBackWhatMayBeATagAtEverySplit() {
        String[] replies = {"Let me check.\n" + CALL, "No tools needed <tool but not a tag", "Plain answer."};
        for (String reply : replies) {
            for (int cut = 0; cut <= reply.length(); cut++) {
                ToolCallStream s = new ToolCallStream();
                String content = s.push(reply.substring(0, cut)) + s.push(reply.substring(cut));
                ToolCallStream.End end = s.finish();
                if (reply.contains("<tool_call>")) {
                    assertEquals(1, end.toolCalls().size(), reply);
                    assertFalse(content.contains("<tool"), "a tag never reaches the client as content: " + content);
                    assertEquals("Let me check.\n", content);
                } else {
                    assertTrue(end.toolCalls().isEmpty());
                    assertEquals(reply, content + end.heldContent(), "every character is sent once");
                }
            }
        }
    }
}
