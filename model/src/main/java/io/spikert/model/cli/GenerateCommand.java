package io.spikert.model.cli;

import io.spikert.model.generate.Generator;
import io.spikert.model.generate.Sampler;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code spikert generate}: streams generated text, then prefill and decode speed. */
final class GenerateCommand implements Command {
    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String usage() {
        return """
                spikert generate --model DIR (--prompt TEXT [--chat] | --ids 1,2,3) [--max-tokens N] [--temperature T]
                                 [--seed S] [--threads N] [--format text|ids] [--k K]
                                 [--device cpu|cuda|maca] [--verbose]
                  Generates up to N tokens (default 128), greedy at temperature 0 (the default), stopping at
                  <|endoftext|> or <|im_end|>. --chat wraps the prompt in the model's ChatML template.
                  --format ids prints the generated token ids (comma-separated) instead of text.
                  --k sets the spike threshold factor of a W8ASpike model (vth = mean|x|/k, default 3).
                  --verbose reports which spike kernel each W8ASpike projection used, with its silent share.
                  --device cuda|maca runs the model on GPU 0: weights uploaded once, every operator a SpikeRT kernel
                  (products through the vendor's BLAS where present), state on the device. With --verbose a W8ASpike
                  model keeps its spiking products on the CPU (the kernel report needs their counts there).
                  Speed (prefill and decode tokens/s) is printed to stderr.""";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        var args = new Args(argv, 1, Set.of("model", "prompt", "ids", "max-tokens", "temperature", "seed", "threads", "format", "k", "device"),
                Set.of("chat", "verbose"));
        int maxTokens = args.intValue("max-tokens", 128, 0);
        float temperature = args.floatValue("temperature", 0f);
        long seed = args.longValue("seed", 42L);
        String format = args.string("format", "text");
        if (!format.equals("text") && !format.equals("ids")) {
            throw new UsageException("--format must be text or ids, got '" + format + "'");
        }
        var inputs = ModelInputs.check(args);
        try (var lm = LoadedModel.open(inputs, args, err)) {
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
