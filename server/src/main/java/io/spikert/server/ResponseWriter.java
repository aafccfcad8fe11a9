package io.spikert.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.model.chat.ToolCall;
import io.spikert.model.chat.ToolCallParser;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The OpenAI response bodies for one request: whole responses, stream chunks and error objects, for the chat
 * ({@code chat.completion}) and legacy completions ({@code text_completion}) shapes.
 */
final class ResponseWriter {
    private final ObjectMapper json;
    private final ParsedRequest request;
    private final String id;
    private final String model;
    private final long created = System.currentTimeMillis() / 1000;

    ResponseWriter(ObjectMapper json, ParsedRequest request, String id, String model) {
        this.json = json;
        this.request = request;
        this.id = id;
        this.model = model;
    }

    /** The whole response of a request that was not streamed. */
    ObjectNode complete(String text, List<GenerationEvent.TokenLogprob> logprobs, GenerationEvent.Finished end) {
        ObjectNode root = head(request.chat() ? "chat.completion" : "text_completion");
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        String reason = end.reason();
        if (request.chat()) {
            ObjectNode message = choice.putObject("message").put("role", "assistant");
            ToolCallParser.Parsed parsed = request.tools() ? ToolCallParser.parse(text) : null;
            if (parsed != null && !parsed.toolCalls().isEmpty()) {
                if (parsed.content() == null) {
                    message.putNull("content");
                } else {
                    message.put("content", parsed.content());
                }
                putToolCalls(message, parsed.toolCalls());
                reason = "tool_calls";
            } else {
                message.put("content", text);
            }
        } else {
            choice.put("text", text);
        }
        putLogprobs(choice, logprobs);
        choice.put("finish_reason", reason);
        putUsage(root, end);
        return root;
    }

    /** The first chunk of a chat stream (the role); null for completions, which have none. */
    ObjectNode roleChunk() {
        if (!request.chat()) {
            return null;
        }
        ObjectNode root = chunk();
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        choice.putObject("delta").put("role", "assistant").put("content", "");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return root;
    }

    /** A chunk carrying a piece of text (and its token's log-probability when asked). */
    ObjectNode deltaChunk(String text, GenerationEvent.TokenLogprob logprob) {
        ObjectNode root = chunk();
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        if (request.chat()) {
            choice.putObject("delta").put("content", text);
        } else {
            choice.put("text", text);
        }
        putLogprobs(choice, logprob == null ? null : List.of(logprob));
        choice.putNull("finish_reason");
        return root;
    }

    /** A chat chunk carrying the reply's tool calls (all at once, when the reply has ended). */
    ObjectNode toolCallsChunk(List<ToolCall> calls) {
        ObjectNode root = chunk();
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        putToolCalls(choice.putObject("delta"), calls);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return root;
    }

    /** The chunk with the finish reason. */
    ObjectNode finishChunk(String reason) {
        ObjectNode root = chunk();
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        if (request.chat()) {
            choice.putObject("delta");
        } else {
            choice.put("text", "");
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", reason);
        return root;
    }

    /** With stream_options.include_usage: the last chunk, no choices, the usage. */
    ObjectNode usageChunk(GenerationEvent.Finished end) {
        ObjectNode root = head(request.chat() ? "chat.completion.chunk" : "text_completion");
        root.putArray("choices");
        putUsage(root, end);
        return root;
    }

    byte[] sse(ObjectNode chunk) {
        return ("data: " + chunk.toString() + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] done() {
        return "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
    }

    /** {@code {"error": {"message", "type", "param", "code"}}}. */
    static ObjectNode error(ObjectMapper json, ApiError e) {
        ObjectNode root = json.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        if (e.param() == null) {
            err.putNull("param");
        } else {
            err.put("param", e.param());
        }
        if (e.code() == null) {
            err.putNull("code");
        } else {
            err.put("code", e.code());
        }
        return root;
    }

    private ObjectNode chunk() {
        ObjectNode root = head(request.chat() ? "chat.completion.chunk" : "text_completion");
        if (request.includeUsage()) {
            root.putNull("usage");
        }
        return root;
    }

    private ObjectNode head(String object) {
        ObjectNode root = json.createObjectNode();
        root.put("id", id).put("object", object).put("created", created).put("model", model).put("system_fingerprint", "spikert");
        return root;
    }

    private void putUsage(ObjectNode root, GenerationEvent.Finished end) {
        ObjectNode u = root.putObject("usage");
        u.put("prompt_tokens", end.promptTokens()).put("completion_tokens", end.completionTokens())
                .put("total_tokens", end.promptTokens() + end.completionTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", end.cachedTokens());
    }

    private void putLogprobs(ObjectNode choice, List<GenerationEvent.TokenLogprob> logprobs) {
        if (logprobs == null || !request.generation().logprobs()) {
            choice.putNull("logprobs");
            return;
        }
        ObjectNode lp = choice.putObject("logprobs");
        if (request.chat()) {
            ArrayNode content = lp.putArray("content");
            for (GenerationEvent.TokenLogprob t : logprobs) {
                ObjectNode e = content.addObject();
                tokenEntry(e, t.token(), t.logprob());
                ArrayNode top = e.putArray("top_logprobs");
                for (int k = 0; k < Math.min(request.generation().topLogprobs(), t.top().size()); k++) {
                    tokenEntry(top.addObject(), t.top().get(k).token(), t.top().get(k).logprob());
                }
            }
        } else {
            ArrayNode tokens = lp.putArray("tokens");
            ArrayNode values = lp.putArray("token_logprobs");
            ArrayNode tops = lp.putArray("top_logprobs");
            for (GenerationEvent.TokenLogprob t : logprobs) {
                tokens.add(t.token());
                values.add(t.logprob());
                ObjectNode top = tops.addObject();
                for (int k = 0; k < Math.min(request.generation().topLogprobs(), t.top().size()); k++) {
                    top.put(t.top().get(k).token(), t.top().get(k).logprob());
                }
            }
        }
    }

    /** OpenAI's tool_calls array: index, id, type "function", function {name, arguments (JSON text)}. */
    private static void putToolCalls(ObjectNode into, List<ToolCall> calls) {
        ArrayNode a = into.putArray("tool_calls");
        for (int i = 0; i < calls.size(); i++) {
            ToolCall c = calls.get(i);
            ObjectNode o = a.addObject().put("index", i).put("id", c.id()).put("type", "function");
            o.putObject("function").put("name", c.name()).put("arguments", c.arguments());
        }
    }

    private static void tokenEntry(ObjectNode e, String token, double logprob) {
        e.put("token", token).put("logprob", logprob);
        ArrayNode bytes = e.putArray("bytes");
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
    }
}
