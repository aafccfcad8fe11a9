package io.spikert.model.cli;

import io.spikert.model.generate.Generator;
import io.spikert.model.generate.Sampler;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code spikert generate}: streams generated text, then prefill and decode speed. */
@Command(name = "generate", sortOptions = false, description = {
        "Generates up to N tokens (default 128), greedy at temperature 0 (the default), stopping at <|endoftext|> or"
                + " <|im_end|>. --chat wraps the prompt in the model's ChatML template. --format ids prints the generated"
                + " token ids (comma-separated) instead of text.",
        "--device cuda|maca runs the model on GPU 0: weights uploaded once, every operator a SpikeRT kernel (products"
                + " through the vendor's BLAS where present), state on the device. With --verbose a W8ASpike model copies"
                + " each spiking product's counts back to the host for the kernel report.",
        "Speed (prefill and decode tokens/s) is printed to stderr."})
final class GenerateCommand extends CliCommand {
    @Mixin
    InputOptions input = new InputOptions();

    @Option(names = "--max-tokens", paramLabel = "N", description = "Most tokens to generate (default 128).")
    Integer maxTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature; 0 is greedy (the default).")
    Float temperature;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Sampling seed (default 42).")
    long seed;

    @Option(names = "--format", paramLabel = "text|ids", defaultValue = "text", description = "Output as text (default) or token ids.")
    String format;

    @Mixin
    RunOptions run = new RunOptions();

    @Override
    int execute() throws Exception {
        int maxTokens = atLeast("--max-tokens", this.maxTokens, 128, 0);
        float temperature = finiteNonNegative("--temperature", this.temperature, 0f);
        if (!format.equals("text") && !format.equals("ids")) {
            throw new UsageException("--format must be text or ids, got '" + format + "'");
        }
        var inputs = ModelInputs.check(input);
        try (var lm = LoadedModel.open(inputs, run, err)) {
            int[] prompt = inputs.ids;
            boolean text = format.equals("text") && lm.tokenizer != null;
            if (format.equals("text") && lm.tokenizer == null) {
                err.println("spikert: " + lm.dir + " has no tokenizer files; printing token ids");
            }
            var decoder = text ? lm.tokenizer.streamingDecoder() : null;
            Set<Integer> stops = lm.stopTokens();
            var session = lm.model.newSession();
            var result = new Generator(stops, text ? lm.sampleVocab() : Integer.MAX_VALUE).generate(session, prompt, maxTokens, new Sampler(temperature, seed), id -> {
                if (text && !stops.contains(id)) {
                    out.print(decoder.push(id));
                    out.flush();
                }
            });
            if (text) {
                out.print(decoder.flush());
                out.println();
            } else {
                out.println(Arrays.stream(result.tokens()).mapToObj(Integer::toString).collect(Collectors.joining(",")));
            }
            out.flush();
            err.printf("prefill: %d tokens, %.1f tokens/s | decode: %d tokens, %.1f tokens/s | stop: %s | %s%n",
                    result.promptTokens(), result.prefillTokensPerSecond(), result.decodeSteps(),
                    result.decodeTokensPerSecond(), result.stopReason() == Generator.StopReason.STOP_TOKEN ? "stop token" : "max tokens",
                    lm.backend.name() + ", " + lm.model.variant());
            if (lm.kernelReport != null) {
                lm.kernelReport.print(err);
            }
        }
        return 0;
    }
}
