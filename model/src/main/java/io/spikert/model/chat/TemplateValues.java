package io.spikert.model.chat;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Messages, tool calls and tools as the values a chat template sees: Hugging Face's dicts and lists, here maps
 * (keys in order) and lists of strings, numbers, booleans and nulls. A key that a message does not have is left
 * out, so that {@code message.tool_calls is defined} and {@code 'tool_calls' in message} answer as in transformers.
 */
final class TemplateValues {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private TemplateValues() {}

    static Map<String, Object> message(ChatMessage m) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("role", m.role());
        v.put("content", m.content());
        if (!m.toolCalls().isEmpty()) {
            List<Object> calls = new ArrayList<>(m.toolCalls().size());
            for (ToolCall c : m.toolCalls()) {
                calls.add(toolCall(c));
            }
            v.put("tool_calls", calls);
        }
        if (m.toolCallId() != null) {
            v.put("tool_call_id", m.toolCallId());
        }
        if (m.name() != null) {
            v.put("name", m.name());
        }
        return v;
    }

    static Map<String, Object> toolCall(ToolCall c) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", c.name());
        function.put("arguments", arguments(c.arguments()));
        Map<String, Object> v = new LinkedHashMap<>();
        if (c.id() != null) {
            v.put("id", c.id());
        }
        v.put("type", "function");
        v.put("function", function);
        return v;
    }

    /** The arguments as an object when they are JSON text of one (templates write them with tojson), else the text. */
    static Object arguments(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node != null && node.isObject()) {
                return plain(node);
            }
        } catch (JacksonException e) {
            // not JSON: the template gets the text as it is
        }
        return json;
    }

    /** JSON trees and nested maps/lists as plain maps, lists and scalars. */
    static Object plain(Object v) {
        return switch (v) {
            case null -> null;
            case JsonNode n -> JSON.convertValue(n, Object.class);
            case Map<?, ?> m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                m.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
                yield out;
            }
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                l.forEach(x -> out.add(plain(x)));
                yield out;
            }
            default -> v;
        };
    }
}
