package io.spikert.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.generate.SamplingParameterException;
import io.spikert.model.generate.SamplingParams;
import io.spikert.model.chat.ChatMessage;
import io.spikert.model.chat.ChatTemplate;
import io.spikert.model.chat.ChatTemplateException;
import io.spikert.model.chat.ToolCall;
import io.spikert.model.tokenizer.Tokenizer;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Turns a request body of /v1/chat/completions or /v1/completions into a {@link ParsedRequest}, checking every
 * field: a field of the wrong type, out of range, unknown, or asking for what the server does not do gives
 * an {@link ApiError} 400 that names it. Chat messages go through the model's chat template, the text through
 * the model's tokenizer.
 */
public final class RequestParser {
    /** Fields of the OpenAI requests this server reads or accepts and ignores ("user", "metadata", "store"). */
    private static final Set<String> COMMON = Set.of("model", "max_tokens", "temperature", "top_p", "n", "stream",
            "stream_options", "stop", "presence_penalty", "frequency_penalty", "seed", "user", "logit_bias",
            "top_k", "min_p", "repetition_penalty", "ignore_eos", "metadata", "store", "service_tier");
    private static final Set<String> CHAT = Set.of("messages", "max_completion_tokens", "logprobs", "top_logprobs",
            "tools", "tool_choice", "parallel_tool_calls", "response_format");
    private static final Set<String> COMPLETION = Set.of("prompt", "logprobs", "echo", "suffix", "best_of");
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    private static final int MAX_STOPS = 4;
    /** Most alternatives a request may ask for per token (OpenAI's top_logprobs bound). */
    static final int MAX_TOP_LOGPROBS = 20;
    private static final SecureRandom SEEDS = new SecureRandom();

    private final ObjectMapper json;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final ServerConfig config;
    private final int vocab;

    /**
     * @param tokenizer null for a model folder without one: then only token-id prompts are accepted
     * @param template  the model's chat template
     */
    public RequestParser(ObjectMapper json, Tokenizer tokenizer, ChatTemplate template, ServerConfig config, int vocab) {
        this.json = json;
        this.tokenizer = tokenizer;
        this.template = template;
        this.config = config;
        this.vocab = vocab;
    }

    public ParsedRequest parse(byte[] body, boolean chat) throws ApiError {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.invalid(null, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiError.invalid(null, "the body could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiError.invalid(null, "the body must be a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!COMMON.contains(f) && !(chat ? CHAT : COMPLETION).contains(f)) {
                throw ApiError.invalid(f, "unknown field '" + f + "'");
            }
        }
        string(root, "model");
        string(root, "user");
        int n = integer(root, "n", 1, 1, Integer.MAX_VALUE);
        if (n != 1) {
            throw ApiError.invalid("n", "n must be 1: this server returns one choice per request");
        }
        if (!isNull(root, "logit_bias") && !(root.get("logit_bias").isObject() && root.get("logit_bias").isEmpty())) {
            throw ApiError.invalid("logit_bias", "logit_bias is not supported");
        }
        boolean tools = chat && toolsOffered(root);
        int[] prompt = chat ? chatPrompt(root, tools) : completionPrompt(root);
        if (prompt.length > config.maxPromptTokens()) {
            throw ApiError.invalid(chat ? "messages" : "prompt", "the prompt has " + prompt.length + " tokens; this server takes at most "
                    + config.maxPromptTokens());
        }
        String maxField = chat && root.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        if (chat && root.has("max_completion_tokens") && !isNull(root, "max_tokens")) {
            throw ApiError.invalid("max_tokens", "give max_tokens or max_completion_tokens, not both");
        }
        int maxTokens = integer(root, maxField, config.defaultMaxTokens(), 1, Integer.MAX_VALUE);
        if (maxTokens > config.maxTokensLimit()) {
            throw ApiError.invalid(maxField, maxField + " is " + maxTokens + "; this server allows at most " + config.maxTokensLimit());
        }
        SamplingParams sampling = sampling(root);
        List<String> stop = stops(root);
        boolean logprobs;
        int top = 0;
        if (chat) {
            logprobs = bool(root, "logprobs", false);
            top = integer(root, "top_logprobs", 0, 0, MAX_TOP_LOGPROBS);
            if (top > 0 && !logprobs) {
                throw ApiError.invalid("top_logprobs", "top_logprobs needs logprobs: true");
            }
            checkChatExtras(root);
        } else {
            // the legacy completions API: logprobs is the number of alternatives (0 to 5), null for none
            logprobs = !isNull(root, "logprobs");
            top = integer(root, "logprobs", 0, 0, 5);
            if (bool(root, "echo", false)) {
                throw ApiError.invalid("echo", "echo is not supported");
            }
            if (!isNull(root, "suffix")) {
                throw ApiError.invalid("suffix", "suffix is not supported");
            }
            if (integer(root, "best_of", 1, 1, Integer.MAX_VALUE) != 1) {
                throw ApiError.invalid("best_of", "best_of must be 1");
            }
        }
        boolean stream = bool(root, "stream", false);
        boolean includeUsage = false;
        if (!isNull(root, "stream_options")) {
            JsonNode o = root.get("stream_options");
            if (!o.isObject()) {
                throw ApiError.invalid("stream_options", "stream_options must be an object");
            }
            if (!stream) {
                throw ApiError.invalid("stream_options", "stream_options is only allowed with stream: true");
            }
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!f.equals("include_usage") && !f.equals("continuous_usage_stats")) {
                    throw ApiError.invalid("stream_options." + f, "unknown field 'stream_options." + f + "'");
                }
            }
            includeUsage = bool(o, "include_usage", "stream_options.include_usage", false);
        }
        boolean ignoreEos = bool(root, "ignore_eos", false);
        return new ParsedRequest(chat, new GenerationRequest(prompt, maxTokens, sampling, stop, logprobs, top, ignoreEos), stream,
                includeUsage, tools);
    }

    private SamplingParams sampling(JsonNode root) throws ApiError {
        double temperature = number(root, "temperature", 1.0, 0, 2);
        double topP = number(root, "top_p", 1.0, Double.MIN_VALUE, 1);
        int topK = integer(root, "top_k", 0, -1, Integer.MAX_VALUE);
        double minP = number(root, "min_p", 0, 0, 1);
        double presence = number(root, "presence_penalty", 0, -2, 2);
        double frequency = number(root, "frequency_penalty", 0, -2, 2);
        double repetition = number(root, "repetition_penalty", 1, Double.MIN_VALUE, Double.MAX_VALUE);
        long seed = isNull(root, "seed") ? SEEDS.nextLong() : longValue(root, "seed");
        try {
            return new SamplingParams((float) temperature, topK, (float) topP, (float) minP, (float) presence, (float) frequency,
                    (float) repetition, seed);
        } catch (SamplingParameterException e) {
            throw ApiError.invalid(e.parameter(), e.parameter() + " " + e.problem());
        }
    }

    private List<String> stops(JsonNode root) throws ApiError {
        if (isNull(root, "stop")) {
            return List.of();
        }
        JsonNode s = root.get("stop");
        List<String> out = new ArrayList<>();
        if (s.isTextual()) {
            out.add(s.textValue());
        } else if (s.isArray()) {
            for (JsonNode e : s) {
                if (!e.isTextual()) {
                    throw ApiError.invalid("stop", "stop must be a string or an array of strings");
                }
                out.add(e.textValue());
            }
        } else {
            throw ApiError.invalid("stop", "stop must be a string or an array of strings");
        }
        if (out.size() > MAX_STOPS) {
            throw ApiError.invalid("stop", "at most " + MAX_STOPS + " stop strings, got " + out.size());
        }
        for (String x : out) {
            if (x.isEmpty()) {
                throw ApiError.invalid("stop", "a stop string must not be empty");
            }
        }
        return out;
    }

    private void checkChatExtras(JsonNode root) throws ApiError {
        if (!isNull(root, "parallel_tool_calls") && !root.get("parallel_tool_calls").isBoolean()) {
            throw ApiError.invalid("parallel_tool_calls", "parallel_tool_calls must be true or false");
        }
        if (!isNull(root, "response_format")) {
            JsonNode r = root.get("response_format");
            if (!r.isObject() || !"text".equals(r.path("type").asText(null))) {
                throw ApiError.invalid("response_format", "only response_format {\"type\": \"text\"} is supported");
            }
        }
    }

    /**
     * Whether the request offers tools the reply may call: {@code tools} given and {@code tool_choice} absent,
     * "auto" or "none" (none: the tools are not shown to the model); "required" and a named function are refused.
     */
    private boolean toolsOffered(JsonNode root) throws ApiError {
        String choice = "auto";
        if (!isNull(root, "tool_choice")) {
            JsonNode c = root.get("tool_choice");
            if (!c.isTextual() || !Set.of("auto", "none", "required").contains(c.textValue())) {
                throw ApiError.invalid("tool_choice", "tool_choice must be \"auto\" or \"none\" (a named function is not supported)");
            }
            choice = c.textValue();
            if (choice.equals("required")) {
                throw ApiError.invalid("tool_choice", "tool_choice \"required\" is not supported: the model decides whether to call a tool");
            }
        }
        if (isNull(root, "tools")) {
            return false;
        }
        JsonNode tools = root.get("tools");
        if (!tools.isArray()) {
            throw ApiError.invalid("tools", "tools must be an array");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String at = "tools[" + i + "]";
            if (!t.isObject() || !"function".equals(t.path("type").asText(null)) || !t.path("function").isObject()) {
                throw ApiError.invalid(at, at + " must be {\"type\": \"function\", \"function\": {...}}");
            }
            if (!t.path("function").path("name").isTextual() || t.path("function").path("name").textValue().isEmpty()) {
                throw ApiError.invalid(at + ".function.name", at + ".function.name must be a non-empty string");
            }
            JsonNode params = t.path("function").get("parameters");
            if (params != null && !params.isNull() && !params.isObject()) {
                throw ApiError.invalid(at + ".function.parameters", at + ".function.parameters must be a JSON Schema object");
            }
        }
        return !tools.isEmpty() && !choice.equals("none");
    }

    private int[] chatPrompt(JsonNode root, boolean tools) throws ApiError {
        if (tokenizer == null) {
            throw ApiError.invalid("messages", "this model folder has no tokenizer, so chat is not available; use /v1/completions with token ids");
        }
        JsonNode messages = root.get("messages");
        if (messages == null || messages.isNull()) {
            throw ApiError.invalid("messages", "messages is required");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty array");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            out.add(message(messages.get(i), "messages[" + i + "]"));
        }
        List<JsonNode> offered = null;
        if (tools) {
            offered = new ArrayList<>();
            root.get("tools").forEach(offered::add);
        }
        try {
            return tokenizer.encode(template.render(out, offered, true, java.util.Map.of()));
        } catch (ChatTemplateException e) {
            throw ApiError.invalid("messages", e.getMessage());
        }
    }

    private ChatMessage message(JsonNode m, String at) throws ApiError {
        if (!m.isObject()) {
            throw ApiError.invalid(at, at + " must be an object");
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual() || !ROLES.contains(role.textValue())) {
            throw ApiError.invalid(at + ".role", at + ".role must be one of " + ROLES);
        }
        String r = role.textValue().equals("developer") ? "system" : role.textValue();
        Set<String> allowed = switch (r) {
            case "assistant" -> Set.of("role", "content", "name", "tool_calls", "refusal");
            case "tool" -> Set.of("role", "content", "tool_call_id", "name");
            default -> Set.of("role", "content", "name");
        };
        for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw ApiError.invalid(at + "." + f, "unknown field '" + at + "." + f + "' for a " + role.textValue() + " message");
            }
        }
        string(m, "name", at + ".name");
        List<ToolCall> calls = r.equals("assistant") ? toolCalls(m.get("tool_calls"), at + ".tool_calls") : List.of();
        JsonNode c = m.get("content");
        String content = (c == null || c.isNull()) && !calls.isEmpty() ? null : content(c, at + ".content");
        if (r.equals("tool")) {
            JsonNode id = m.get("tool_call_id");
            if (id == null || !id.isTextual()) {
                throw ApiError.invalid(at + ".tool_call_id", at + ".tool_call_id is required for a tool message");
            }
            return ChatMessage.tool(id.textValue(), m.path("name").isTextual() ? m.get("name").textValue() : null, content);
        }
        return switch (r) {
            case "system" -> ChatMessage.system(content);
            case "user" -> ChatMessage.user(content);
            default -> calls.isEmpty() ? ChatMessage.assistant(content) : ChatMessage.assistant(content, calls);
        };
    }

    private static List<ToolCall> toolCalls(JsonNode calls, String at) throws ApiError {
        if (calls == null || calls.isNull()) {
            return List.of();
        }
        if (!calls.isArray()) {
            throw ApiError.invalid(at, at + " must be an array");
        }
        List<ToolCall> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            JsonNode c = calls.get(i);
            String p = at + "[" + i + "]";
            JsonNode f = c.path("function");
            if (!c.isObject() || !f.isObject() || !f.path("name").isTextual() || !f.path("arguments").isTextual()) {
                throw ApiError.invalid(p, p + " must be {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\": JSON text}}");
            }
            out.add(new ToolCall(c.path("id").isTextual() ? c.get("id").textValue() : null, f.get("name").textValue(),
                    f.get("arguments").textValue()));
        }
        return out;
    }

    /** A message's content: a string, or an array of text parts joined. */
    private static String content(JsonNode c, String at) throws ApiError {
        if (c == null || c.isNull()) {
            throw ApiError.invalid(at, at + " is required");
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (!c.isArray()) {
            throw ApiError.invalid(at, at + " must be a string or an array of text parts");
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < c.size(); i++) {
            JsonNode part = c.get(i);
            String p = at + "[" + i + "]";
            if (!part.isObject() || !"text".equals(part.path("type").asText(null)) || !part.path("text").isTextual()) {
                throw ApiError.invalid(p, p + " must be {\"type\": \"text\", \"text\": ...}: only text parts are supported");
            }
            sb.append(part.get("text").textValue());
        }
        return sb.toString();
    }

    private int[] completionPrompt(JsonNode root) throws ApiError {
        JsonNode p = root.get("prompt");
        if (p == null || p.isNull()) {
            throw ApiError.invalid("prompt", "prompt is required");
        }
        if (p.isTextual()) {
            if (tokenizer == null) {
                throw ApiError.invalid("prompt", "this model folder has no tokenizer: give the prompt as an array of token ids");
            }
            if (p.textValue().isEmpty()) {
                throw ApiError.invalid("prompt", "prompt must not be empty");
            }
            return tokenizer.encode(p.textValue());
        }
        if (p.isArray() && !p.isEmpty() && p.get(0).isTextual()) {
            if (p.size() != 1) {
                throw ApiError.invalid("prompt", "one prompt per request: an array of " + p.size() + " strings is a batch, which this server does not take");
            }
            JsonNode one = json.createObjectNode().put("prompt", p.get(0).textValue());
            return completionPrompt(one);
        }
        if (p.isArray()) {
            if (p.isEmpty()) {
                throw ApiError.invalid("prompt", "prompt must not be empty");
            }
            if (p.size() > config.maxPromptTokens()) {
                throw ApiError.invalid("prompt", "the prompt has " + p.size() + " tokens; this server takes at most " + config.maxPromptTokens());
            }
            int[] ids = new int[p.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode e = p.get(i);
                if (!e.isIntegralNumber() || !e.canConvertToInt() || e.intValue() < 0 || e.intValue() >= vocab) {
                    throw ApiError.invalid("prompt", "prompt[" + i + "] must be a token id in [0, " + vocab + ")");
                }
                ids[i] = e.intValue();
            }
            return ids;
        }
        throw ApiError.invalid("prompt", "prompt must be a string, an array of one string, or an array of token ids");
    }

    private static boolean isNull(JsonNode o, String f) {
        JsonNode v = o.get(f);
        return v == null || v.isNull();
    }

    /** Refuses a field that is present, not null and not a string. */
    private static void string(JsonNode o, String f) throws ApiError {
        string(o, f, f);
    }

    private static void string(JsonNode o, String f, String name) throws ApiError {
        if (!isNull(o, f) && !o.get(f).isTextual()) {
            throw ApiError.invalid(name, name + " must be a string");
        }
    }

    private static boolean bool(JsonNode o, String f, boolean dflt) throws ApiError {
        return bool(o, f, f, dflt);
    }

    private static boolean bool(JsonNode o, String f, String name, boolean dflt) throws ApiError {
        if (isNull(o, f)) {
            return dflt;
        }
        JsonNode v = o.get(f);
        if (!v.isBoolean()) {
            throw ApiError.invalid(name, name + " must be true or false");
        }
        return v.booleanValue();
    }

    private static double number(JsonNode o, String f, double dflt, double min, double max) throws ApiError {
        if (isNull(o, f)) {
            return dflt;
        }
        JsonNode v = o.get(f);
        if (!v.isNumber()) {
            throw ApiError.invalid(f, f + " must be a number");
        }
        double d = v.doubleValue();
        if (!(d >= min && d <= max)) {
            throw ApiError.invalid(f, f + " must be in [" + fmt(min) + ", " + fmt(max) + "], got " + v.asText());
        }
        return d;
    }

    private static int integer(JsonNode o, String f, int dflt, int min, int max) throws ApiError {
        if (isNull(o, f)) {
            return dflt;
        }
        JsonNode v = o.get(f);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiError.invalid(f, f + " must be an integer");
        }
        long x = v.longValue();
        if (x < min || x > max) {
            throw ApiError.invalid(f, f + " must be in [" + min + ", " + (max == Integer.MAX_VALUE ? "..." : max) + "], got " + x);
        }
        return (int) x;
    }

    private static long longValue(JsonNode o, String f) throws ApiError {
        JsonNode v = o.get(f);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiError.invalid(f, f + " must be a 64-bit integer");
        }
        return v.longValue();
    }

    private static String fmt(double d) {
        return d == Double.MIN_VALUE ? "0 (exclusive)" : d == Double.MAX_VALUE ? "..." : (d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d));
    }
}
