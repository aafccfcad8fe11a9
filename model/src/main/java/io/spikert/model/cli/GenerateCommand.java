package io.spikert.model.cli;

import io.spikert.model.generate.Generator;
import io.spikert.model.generate.Sampler;
import io.spikert.model.generate.SamplingParams;
import io.spikert.model.generate.StopStrings;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code spikert generate}: streams generated text, then prefill and decode speed. */
@Command(name = "generate", sortOptions = false, description = {
        "Generates up to N tokens (default 128), greedy at temperature 0 (the default), stopping at <|endoftext|> or"
                + " <|im_end|> or before a --stop string. --chat wraps the prompt in the model's ChatML template. Without"
                + " --prompt, --prompt-file or --ids the prompt is read from standard input (when it is not a terminal)."
                + " --format ids prints the generated token ids (comma-separated) instead of text.",
        "Sampling (--temperature above 0) applies, in vLLM's order: the penalties, temperature, --min-p, --top-k,"
                + " --top-p; the penalties also apply to greedy decoding.",
        "--device cuda|maca runs the model on GPU 0: weights uploaded once, every operator a SpikeRT kernel (products"
                + " through the vendor's BLAS where present), state on the device. With --verbose a W8ASpike model copies"
                + " each spiking product's counts back to the host for the kernel report.",
        "Speed (prefill and decode tokens/s) is printed to stderr."})
final class GenerateCommand extends CliCommand {
    @Mixin
    InputOptions input = new InputOptions();

    @Option(names = "--max-tokens", paramLabel = "N", description = "Most tokens to generate (default 128).")
    Integer maxTokens;

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--stop", paramLabel = "TEXT",
            description = "Stops before TEXT, which is not printed; repeat for several (needs the tokenizer).")
    List<String> stops = new ArrayList<>();

    @Option(names = "--format", paramLabel = "text|ids", defaultValue = "text", description = "Output as text (default) or token ids.")
    String format;

    @Mixin
    RunOptions run = new RunOptions();

    @Override
    int execute() throws Exception {
        int maxTokens = atLeast("--max-tokens", this.maxTokens, 128, 0);
        SamplingParams params = sampling.params();
        if (!format.equals("text") && !format.equals("ids")) {
            throw new UsageException("--format must be text or ids, got '" + format + "'");
        }
        StopStrings stopStrings;
        try {
            stopStrings = new StopStrings(stops);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--stop: " + e.getMessage());
        }
        PromptSource.resolve(input, in, inIsTerminal, true);
        var inputs = ModelInputs.check(input);
        if (!stops.isEmpty() && inputs.tokenizer == null) {
            throw new UsageException("--stop needs the tokenizer files (vocab.json + merges.txt, or tokenizer.json), which "
                    + inputs.dir + " lacks");
        }
        if (params.greedy() && (params.topK() != 0 || params.topP() != 1f || params.minP() != 0f)) {
            err.println("spikert: --top-k, --top-p and --min-p apply when sampling; at temperature 0 (greedy) they change nothing");
        }
        try (var lm = LoadedModel.open(inputs, run, err)) {
            int[] prompt = inputs.ids;
            boolean text = format.equals("text") && lm.tokenizer != null;
            if (format.equals("text") && lm.tokenizer == null) {
                err.println("spikert: " + lm.dir + " has no tokenizer files; printing token ids");
            }
            boolean decode = text || !stops.isEmpty();
            var decoder = decode ? lm.tokenizer.streamingDecoder() : null;
            Set<Integer> stopTokens = lm.stopTokens();
            if (run.verbose && !params.greedy()) {
                err.println("spikert: sampling seed " + params.seed());
            }
            var session = lm.model.newSession();
            var generator = new Generator(stopTokens, decode ? lm.sampleVocab() : Integer.MAX_VALUE);
            var result = generator.generate(session, prompt, maxTokens, new Sampler(params), id -> {
                if (decode && !stopTokens.contains(id)) {
                    String shown = stopStrings.push(decoder.push(id));
                    if (text) {
                        out.print(shown);
                        out.flush();
                    }
                }
            }, stopStrings::stopped);
            if (text) {
                out.print(stopStrings.push(decoder.flush()));
                out.print(stopStrings.flush());
                out.println();
            } else {
                out.println(Arrays.stream(result.tokens()).mapToObj(Integer::toString).collect(Collectors.joining(",")));
            }
            out.flush();
            err.printf("prefill: %d tokens, %.1f tokens/s | decode: %d tokens, %.1f tokens/s | stop: %s | %s%n",
                    result.promptTokens(), result.prefillTokensPerSecond(), result.decodeSteps(),
                    result.decodeTokensPerSecond(), stopReason(result.stopReason()), lm.backend.name() + ", " + lm.model.variant());
            if (lm.kernelReport != null) {
                lm.kernelReport.print(err);
            }
        }
        return 0;
    }

    private static String stopReason(Generator.StopReason reason) {
        return switch (reason) {
            case STOP_TOKEN -> "stop token";
            case STOP_STRING -> "stop string";
            case MAX_TOKENS -> "max tokens";
            case CONTEXT_LIMIT -> "context limit";
        };
    }
}
