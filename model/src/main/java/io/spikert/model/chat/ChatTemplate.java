package io.spikert.model.chat;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import io.spikert.model.checkpoint.CheckpointException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's chat template: the Jinja text Hugging Face keeps in {@code tokenizer_config.json} ("chat_template") or
 * in {@code chat_template.jinja}, rendered as transformers' {@code apply_chat_template} renders it, so that system
 * prompts, multi-turn history, tools and tool calls reach the model in the form it was trained on. The template
 * sees {@code messages}, {@code tools} (null without), {@code documents} (null), {@code add_generation_prompt},
 * the special tokens of tokenizer_config.json ({@code bos_token}, {@code eos_token}, ...), any extra variables
 * (apply_chat_template's keyword arguments), and {@code raise_exception} / {@code strftime_now}.
 *
 * <p>A model folder with neither file gets {@link #builtin()}, Qwen2.5's ChatML template (SpikingBrain's own);
 * {@link #isBuiltin()} and {@link #source()} say so. Instances are immutable and render concurrently.
 */
public final class ChatTemplate {
    public static final String TOKENIZER_CONFIG_JSON = "tokenizer_config.json";
    public static final String CHAT_TEMPLATE_JINJA = "chat_template.jinja";
    /** The special tokens tokenizer_config.json names, passed to the template when present. */
    static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");
    private static final String BUILTIN_RESOURCE = "qwen2.5-chatml.jinja";
    /** tokenizer_config.json is a few KB; a larger file than this is not one. */
    private static final long MAX_CONFIG_BYTES = 64L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final String text;
    /** The text as given to Jinjava ({@link JinjaSource}). */
    private final String prepared;
    private final Map<String, String> specialTokens;
    private final boolean builtin;

    private ChatTemplate(String source, String text, Map<String, String> specialTokens, boolean builtin) {
        this.source = source;
        this.text = text;
        this.prepared = JinjaSource.prepare(text);
        this.specialTokens = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
        this.builtin = builtin;
    }

    /**
     * A template from its Jinja text; {@code source} names it in error messages, {@code specialTokens} maps
     * names such as {@code bos_token} to their text.
     */
    public static ChatTemplate of(String source, String text, Map<String, String> specialTokens) {
        return new ChatTemplate(Objects.requireNonNull(source, "source"), Objects.requireNonNull(text, "text"),
                specialTokens, false);
    }

    /** Qwen2.5's ChatML template, SpikingBrain-7B's, for a model folder that has no chat template. */
    public static ChatTemplate builtin() {
        return new ChatTemplate("the built-in Qwen2.5 ChatML template", builtinText(), Map.of(), true);
    }

    /**
     * The chat template of a model folder: {@code chat_template.jinja} when present, else the "chat_template" of
     * {@code tokenizer_config.json} (a string, or a list of named templates of which "default" is taken), else
     * {@link #builtin()}. The special tokens come from tokenizer_config.json.
     *
     * @throws CheckpointException when tokenizer_config.json or chat_template.jinja cannot be read or is malformed
     */
    public static ChatTemplate load(Path modelDir) throws IOException {
        Path config = modelDir.resolve(TOKENIZER_CONFIG_JSON);
        Path jinja = modelDir.resolve(CHAT_TEMPLATE_JINJA);
        JsonNode root = Files.isRegularFile(config) ? readConfig(config) : null;
        Map<String, String> tokens = root == null ? Map.of() : specialTokens(config, root);
        if (Files.isRegularFile(jinja)) {
            try {
                return of(jinja.toString(), Files.readString(jinja, StandardCharsets.UTF_8), tokens);
            } catch (CharacterCodingException e) {
                throw new CheckpointException("malformed " + jinja + ": not UTF-8 text (" + e + ")", e);
            }
        }
        JsonNode t = root == null ? null : root.get("chat_template");
        if (t == null || t.isNull()) {
            ChatTemplate b = builtin();
            String why = root == null ? "has no " + TOKENIZER_CONFIG_JSON : "names no chat_template in " + TOKENIZER_CONFIG_JSON;
            return new ChatTemplate(b.source + " (" + modelDir + " " + why + " and no " + CHAT_TEMPLATE_JINJA + ")",
                    b.text, tokens, true);
        }
        String where = config + " (chat_template)";
        if (t.isTextual()) {
            return of(where, t.asText(), tokens);
        }
        if (t.isArray()) {
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText(null)) && named.path("template").isTextual()) {
                    return of(config + " (chat_template \"default\")", named.get("template").asText(), tokens);
                }
            }
            throw malformed(config, "\"chat_template\" is a list of named templates but none is named \"default\"");
        }
        throw malformed(config, "\"chat_template\" is neither a string nor a list of {name, template}");
    }

    /** Where the template came from, for messages: a file (and field), or the built-in template and why. */
    public String source() {
        return source;
    }

    /** The Jinja text. */
    public String text() {
        return text;
    }

    /** True when the model folder had no chat template and Qwen2.5's ChatML template stands in. */
    public boolean isBuiltin() {
        return builtin;
    }

    /** bos_token, eos_token, ... as tokenizer_config.json gives them (absent or null ones left out). */
    public Map<String, String> specialTokens() {
        return specialTokens;
    }

    /** {@link #render(List, List, boolean, Map)} without tools or extra variables. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, null, addGenerationPrompt, Map.of());
    }

    /**
     * The prompt text of a conversation.
     *
     * @param tools the tool (function) definitions offered, in OpenAI's form ({@code {"type": "function",
     *     "function": {"name", "description", "parameters"}}}), as {@link JsonNode}s or plain maps and lists; null
     *     when none
     * @param addGenerationPrompt end with the start of an assistant turn, so the model writes the reply
     * @param variables further template variables (e.g. {@code enable_thinking}), as apply_chat_template's keyword
     *     arguments; they take precedence over the special tokens
     * @throws ChatTemplateException when the template raises an exception or fails; the message names this
     *     template's {@link #source()}
     */
    public String render(List<ChatMessage> messages, List<?> tools, boolean addGenerationPrompt, Map<String, ?> variables) {
        Objects.requireNonNull(messages, "messages");
        Map<String, Object> context = new LinkedHashMap<>(specialTokens);
        context.putAll(variables);
        List<Object> ms = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            ms.add(TemplateValues.message(m));
        }
        context.put("messages", ms);
        context.put("tools", tools == null ? null : TemplateValues.plain(tools));
        context.put("documents", null);
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result;
        try {
            result = JinjaEnvironment.JINJAVA.renderForResult(prepared, context);
        } catch (RuntimeException e) {
            throw failure(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                JinjaEnvironment.TemplateRaised raised = raised(e.getException());
                if (raised != null) {
                    throw new ChatTemplateException(source, "the chat template " + source
                            + " refused the conversation: " + raised.getMessage(), true, raised);
                }
                throw failure("line " + e.getLineno() + ": " + e.getMessage(), e.getException());
            }
        }
        return result.getOutput();
    }

    private ChatTemplateException failure(String what, Throwable cause) {
        JinjaEnvironment.TemplateRaised raised = raised(cause);
        if (raised != null) {
            return new ChatTemplateException(source, "the chat template " + source + " refused the conversation: "
                    + raised.getMessage(), true, raised);
        }
        return new ChatTemplateException(source, "the chat template " + source + " failed: " + what, false, cause);
    }

    private static JinjaEnvironment.TemplateRaised raised(Throwable t) {
        for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof JinjaEnvironment.TemplateRaised r) {
                return r;
            }
        }
        return null;
    }

    private static String builtinText() {
        try (InputStream in = ChatTemplate.class.getResourceAsStream(BUILTIN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing bundled resource io/spikert/model/chat/" + BUILTIN_RESOURCE
                        + " (is the model jar complete?)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode readConfig(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_CONFIG_BYTES) {
            throw malformed(file, size + " bytes, more than the " + MAX_CONFIG_BYTES + " a tokenizer_config.json may have");
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            if (root == null || !root.isObject()) {
                throw malformed(file, "expected a JSON object");
            }
            return root;
        } catch (JacksonException e) {
            throw new CheckpointException("malformed " + file + ": " + e.getOriginalMessage(), e);
        } catch (CharacterCodingException | java.io.CharConversionException e) {
            throw new CheckpointException("malformed " + file + ": not UTF-8 JSON text (" + e.getMessage() + ")", e);
        }
    }

    /** Each special token as a string, or an added-token object's "content". */
    private static Map<String, String> specialTokens(Path file, JsonNode root) throws CheckpointException {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String name : SPECIAL_TOKENS) {
            JsonNode v = root.get(name);
            if (v == null || v.isNull()) {
                continue;
            }
            if (v.isTextual()) {
                tokens.put(name, v.asText());
            } else if (v.isObject() && v.path("content").isTextual()) {
                tokens.put(name, v.get("content").asText());
            } else {
                throw malformed(file, "\"" + name + "\" is neither a string nor an object with a string \"content\"");
            }
        }
        return tokens;
    }

    private static CheckpointException malformed(Path file, String what) {
        return new CheckpointException("malformed " + file + ": " + what);
    }
}
