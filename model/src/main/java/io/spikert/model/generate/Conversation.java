package io.spikert.model.generate;

import io.spikert.model.ContextLimitException;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.chat.ChatMessage;
import io.spikert.model.chat.ChatTemplate;
import io.spikert.model.tokenizer.StreamingDecoder;
import io.spikert.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A multi-turn chat over one session whose state is kept between turns. Each turn renders the whole conversation
 * with the chat template; when that text continues the text the session has already run (the previous prompt and
 * the reply's tokens as generated), only the continuation is tokenized and prefilled, after the reply's last token
 * (sampled, not yet run). Otherwise (a stop string cut the reply, or a template that rewrites earlier turns) the
 * conversation runs again from the start in a new session. SpikingBrain's state has a fixed size, so a long
 * conversation costs no more memory than a short one. Not thread-safe.
 */
public final class Conversation implements AutoCloseable {
    /** What one turn did. */
    public record Turn(String reply, int promptTokens, int prefilledTokens, int generatedTokens, long prefillNanos,
                       long decodeNanos, Generator.StopReason stopReason) {
    }

    private final SpikingBrainModel model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final Set<Integer> stopTokens;
    private final int sampleVocab;
    private final List<ChatMessage> messages = new ArrayList<>();
    private Session session;
    /** The tokens the session ran, then the reply's last token (sampled, not run; -1 for none). */
    private int[] ran = new int[0];
    private int pending = -1;
    /** The text of {@code ran} and the pending token. */
    private String ranText = "";

    /** @param system the system prompt, or null for the template's default */
    public Conversation(SpikingBrainModel model, Tokenizer tokenizer, ChatTemplate template, String system) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.stopTokens = StopTokens.of(model.config(), tokenizer);
        this.sampleVocab = Math.min(model.config().vocabSize(), tokenizer.vocabSize());
        if (system != null) {
            messages.add(ChatMessage.system(system));
        }
    }

    /**
     * Adds the user's message, generates the reply (each piece of text to {@code onText} as it comes, stop strings
     * cut), adds the reply to the conversation and returns what the turn did.
     *
     * @throws ContextLimitException when the turn's prompt would take the session past its context limit (Qwen2);
     *                               the message is not added, and the conversation goes on as before it
     */
    public Turn say(String user, int maxTokens, Sampler sampler, StopStrings stops, java.util.function.Consumer<String> onText) {
        messages.add(ChatMessage.user(user));
        try {
            return reply(maxTokens, sampler, stops, onText);
        } catch (ContextLimitException e) {
            // refused before any of the turn's tokens ran: the conversation stays as it was
            messages.removeLast();
            throw e;
        }
    }

    private Turn reply(int maxTokens, Sampler sampler, StopStrings stops, java.util.function.Consumer<String> onText) {
        String text = template.render(messages, true);
        int[] fresh;
        int[] prompt;
        if (session != null && text.startsWith(ranText)) {
            int[] rest = tokenizer.encode(text.substring(ranText.length()));
            fresh = pending < 0 ? rest : concat(new int[] {pending}, rest);
            prompt = concat(ran, fresh);
        } else {
            close();
            session = model.newSession();
            prompt = fresh = tokenizer.encode(text);
        }
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        StringBuilder reply = new StringBuilder();
        Generator.Result r = new Generator(stopTokens, sampleVocab).generate(session, fresh, prompt, maxTokens, sampler, id -> {
            if (!stopTokens.contains(id)) {
                String shown = stops.push(decoder.push(id));
                reply.append(shown);
                onText.accept(shown);
            }
        }, stops::stopped);
        String tail = stops.push(decoder.flush()) + stops.flush();
        reply.append(tail);
        onText.accept(tail);
        // the session ran the prompt and every generated token but the last (sampled, never run)
        int[] generated = r.tokens();
        int n = generated.length;
        ran = concat(prompt, Arrays.copyOf(generated, Math.max(0, n - 1)));
        pending = n > 0 ? generated[n - 1] : -1;
        ranText = text + tokenizer.decode(generated);
        messages.add(ChatMessage.assistant(reply.toString()));
        return new Turn(reply.toString(), prompt.length, fresh.length, generated.length, r.prefillNanos(), r.decodeNanos(), r.stopReason());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** The conversation so far (the system prompt, if given, first). */
    public List<ChatMessage> messages() {
        return List.copyOf(messages);
    }

    /** Forgets every turn (keeps the system prompt) and frees the session. */
    public void reset() {
        boolean system = !messages.isEmpty() && messages.getFirst().role().equals("system");
        ChatMessage s = system ? messages.getFirst() : null;
        messages.clear();
        if (s != null) {
            messages.add(s);
        }
        close();
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
            session = null;
        }
        ran = new int[0];
        pending = -1;
        ranText = "";
    }
}
