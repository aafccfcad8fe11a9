package io.spikert.model.chat;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Tool calls in a model's reply, in the form Qwen2.5's template asks for (and SpikingBrain, Hermes and others
 * write): each call a JSON object {@code {"name": ..., "arguments": {...}}} between {@code <tool_call>} and
 * {@code </tool_call>}, after any text. The result is what OpenAI's chat API returns: the text before the first
 * call as {@code content} (null when blank), and {@code tool_calls} with the arguments as JSON text (written as
 * Python's json.dumps writes them, as vLLM does).
 *
 * <p>A reply whose tags hold something else (not JSON, no string "name", arguments neither object nor JSON text) is
 * no tool call: it comes back whole as content, so nothing the model wrote is lost. A last block the generation cut
 * off before {@code </tool_call>} counts when its JSON is complete.
 */
public final class ToolCallParser {
    public static final String OPEN = "<tool_call>";
    public static final String CLOSE = "</tool_call>";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /** The reply split into text and calls; {@code toolCalls} is empty when the reply calls no tool. */
    public record Parsed(String content, List<ToolCall> toolCalls) {
        public Parsed {
            toolCalls = List.copyOf(toolCalls);
        }
    }

    private ToolCallParser() {}

    /** {@link #parse(String, Supplier)} with ids {@code call_} and 24 random letters and digits, as OpenAI's look. */
    public static Parsed parse(String reply) {
        return parse(reply, ToolCallParser::randomId);
    }

    public static Parsed parse(String reply, Supplier<String> ids) {
        int first = reply.indexOf(OPEN);
        if (first < 0) {
            return new Parsed(reply, List.of());
        }
        List<ToolCall> calls = new ArrayList<>();
        int i = first;
        while (i >= 0) {
            int start = i + OPEN.length();
            int end = reply.indexOf(CLOSE, start);
            String body = reply.substring(start, end < 0 ? reply.length() : end);
            ToolCall call = call(body, ids);
            if (call == null) {
                return new Parsed(reply, List.of());
            }
            calls.add(call);
            if (end < 0) {
                break;
            }
            int next = end + CLOSE.length();
            i = reply.indexOf(OPEN, next);
            String between = reply.substring(next, i < 0 ? reply.length() : i);
            if (!between.isBlank()) {
                return new Parsed(reply, List.of()); // text after a call: not the form the template asks for
            }
        }
        String content = reply.substring(0, first);
        return new Parsed(content.isBlank() ? null : content.strip(), calls);
    }

    /**
     * For streaming: how many characters of {@code textSoFar} are surely content, i.e. lie before any
     * {@code <tool_call>} and cannot be the start of one that the next tokens complete. The rest is held back until
     * the reply ends or shows it is no tag.
     */
    public static int contentPrefixLength(String textSoFar) {
        int open = textSoFar.indexOf(OPEN);
        if (open >= 0) {
            return open;
        }
        for (int k = Math.min(OPEN.length() - 1, textSoFar.length()); k > 0; k--) {
            if (textSoFar.endsWith(OPEN.substring(0, k))) {
                return textSoFar.length() - k;
            }
        }
        return textSoFar.length();
    }

    private static ToolCall call(String body, Supplier<String> ids) {
        JsonNode node;
        try {
            node = JSON.readTree(body.strip());
        } catch (JacksonException e) {
            return null;
        }
        if (node == null || !node.isObject() || !node.path("name").isTextual()) {
            return null;
        }
        JsonNode args = node.has("arguments") ? node.get("arguments") : node.get("parameters");
        String arguments;
        if (args == null || args.isNull()) {
            arguments = "{}";
        } else if (args.isObject()) {
            arguments = PyJson.write(TemplateValues.plain(args), PyJson.Options.DEFAULT);
        } else if (args.isTextual() && TemplateValues.arguments(args.asText()) instanceof java.util.Map) {
            arguments = args.asText(); // already JSON text of an object
        } else {
            return null;
        }
        return new ToolCall(ids.get(), node.get("name").asText(), arguments);
    }

    private static String randomId() {
        StringBuilder sb = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) {
            sb.append(ID_CHARS.charAt(RANDOM.nextInt(ID_CHARS.length())));
        }
        return sb.toString();
    }
}
