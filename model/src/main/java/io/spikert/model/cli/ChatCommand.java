package io.spikert.model.cli;

import io.spikert.model.ContextLimitException;
import io.spikert.model.chat.ChatTemplate;
import io.spikert.model.generate.Conversation;
import io.spikert.model.generate.Sampler;
import io.spikert.model.generate.SamplingParams;
import io.spikert.model.generate.StopStrings;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code spikert chat}: a multi-turn chat in the terminal, the session's state kept between turns. */
@Command(name = "chat", sortOptions = false, description = {
        "Chats with the model in the terminal: each line you type is a user turn; the reply streams as it is generated."
                + " The session's state is kept between turns, so each turn prefills only its new tokens (SpikingBrain's state"
                + " has a fixed size however long the conversation). /reset forgets the conversation, /exit (or end of input)"
                + " quits.",
        "Sampling is generate's (greedy at temperature 0, the default)."})
final class ChatCommand extends CliCommand {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The model folder (config.json, weights, tokenizer).")
    Path model;

    @Option(names = "--system", paramLabel = "TEXT", description = "The system prompt (default: the chat template's).")
    String system;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Most tokens per reply (default 512).")
    Integer maxTokens;

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--stop", paramLabel = "TEXT", description = "Ends a reply before TEXT; repeat for several.")
    List<String> stops = new ArrayList<>();

    @Mixin
    RunOptions run = new RunOptions();

    @Override
    int execute() throws Exception {
        int max = atLeast("--max-tokens", maxTokens, 512, 1);
        SamplingParams params = sampling.params();
        try {
            new StopStrings(stops);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--stop: " + e.getMessage());
        }
        var inputs = ModelInputs.folder(model);
        if (inputs.tokenizer == null) {
            throw new UsageException(inputs.dir + " has no tokenizer files (vocab.json + merges.txt, or tokenizer.json); chat needs them");
        }
        ChatTemplate template = ChatTemplate.load(inputs.dir);
        if (run.verbose) {
            err.println("spikert: chat template " + template.source());
        }
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        try (var lm = LoadedModel.open(inputs, run, err); var chat = new Conversation(lm.model, lm.tokenizer, template, system)) {
            if (run.verbose && !params.greedy()) {
                err.println("spikert: sampling seed " + params.seed());
            }
            // one sampler for the whole chat: a seed gives one reproducible conversation
            Sampler sampler = new Sampler(params);
            if (inIsTerminal) {
                err.println("spikert chat: " + lm.model.variant() + " on " + lm.backend.name() + "; /reset forgets, /exit quits");
            }
            while (true) {
                if (inIsTerminal) {
                    err.print("> ");
                    err.flush();
                }
                String line = reader.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    break;
                }
                if (line.strip().equals("/reset")) {
                    chat.reset();
                    err.println("(conversation forgotten)");
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                Conversation.Turn turn;
                try {
                    turn = chat.say(line, max, sampler, new StopStrings(stops), piece -> {
                        out.print(piece);
                        out.flush();
                    });
                } catch (ContextLimitException e) {
                    err.println("(this turn would pass the model's context limit of " + e.limit()
                            + " tokens; /reset starts over, or load it with a larger --context)");
                    continue;
                }
                out.println();
                out.flush();
                err.printf("[%d prompt tokens, %d prefilled (%.1f tokens/s), %d generated (%.1f tokens/s)]%n", turn.promptTokens(),
                        turn.prefilledTokens(), rate(turn.prefilledTokens(), turn.prefillNanos()), turn.generatedTokens(),
                        rate(Math.max(0, turn.generatedTokens() - 1), turn.decodeNanos()));
            }
        }
        return 0;
    }

    private static double rate(int tokens, long nanos) {
        return nanos == 0 ? 0 : tokens * 1e9 / nanos;
    }
}
