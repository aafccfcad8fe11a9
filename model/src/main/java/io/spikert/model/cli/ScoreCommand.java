package io.spikert.model.cli;

import io.spikert.model.Session;
import io.spikert.model.generate.LogLikelihood;

import io.spikert.model.util.OutputTarget;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@code spikert score}: all logits to a file, and the mean log-likelihood of each next token. */
@Command(name = "score", sortOptions = false, description = {
        "Writes the logits of every input token as little-endian float32 [tokens x vocab] to OUT.f32 and prints the mean"
                + " log-likelihood of each next token and the perplexity. --mode decode feeds the tokens one at a time"
                + " through the recurrent path instead of batched prefill. --k sets the spike threshold factor of a"
                + " W8ASpike model (default 3), to measure accuracy against k.",
        "--logits - writes the logits to standard output (and the report to stderr); a device or FIFO is written in"
                + " place; an existing file is replaced only with --force; a folder or a symbolic link to a file is refused."})
final class ScoreCommand extends CliCommand {
    @Mixin
    InputOptions input = new InputOptions();

    @Option(names = "--logits", required = true, paramLabel = "OUT.f32", description = "Where the logits go; - is standard output.")
    String logits;

    @Option(names = "--force", description = "Replace an existing --logits file.")
    boolean force;

    @Option(names = "--mode", paramLabel = "prefill|decode", defaultValue = "prefill",
            description = "Batched prefill (default) or one token at a time.")
    String mode;

    @Mixin
    RunOptions run = new RunOptions();

    @Override
    int execute() throws Exception {
        OutputTarget logitsFile = Outputs.check("--logits", logits, force, input.model);
        if (!mode.equals("prefill") && !mode.equals("decode")) {
            throw new UsageException("--mode must be prefill or decode, got '" + mode + "'");
        }
        PromptSource.resolve(input, in, inIsTerminal, false);
        var inputs = ModelInputs.check(input);
        try (var lm = LoadedModel.open(inputs, run, err)) {
            int[] ids = inputs.ids;
            int vocab = lm.model.config().vocabSize();
            double[] sumLogProb = {0};
            long t0 = System.nanoTime();
            logitsFile.write(out, os -> {
                byte[] row = new byte[Math.multiplyExact(vocab, 4)];
                ByteBuffer buf = ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN);
                Session.LogitsSink sink = (index, logits, off) -> {
                    buf.clear();
                    buf.asFloatBuffer().put(logits, off, vocab);
                    try {
                        os.write(row);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    if (index + 1 < ids.length) {
                        sumLogProb[0] += LogLikelihood.logSoftmaxAt(logits, off, vocab, ids[index + 1]);
                    }
                };
                try {
                    Session session = lm.model.newSession();
                    if (mode.equals("prefill")) {
                        session.prefill(ids, sink);
                    } else {
                        for (int i = 0; i < ids.length; i++) {
                            sink.accept(i, session.decode(ids[i]), 0);
                        }
                    }
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            });
            // with --logits - the logits are standard output, so the report goes to stderr
            PrintStream report = logitsFile.isStdout() ? err : out;
            double seconds = (System.nanoTime() - t0) / 1e9;
            int predicted = ids.length - 1;
            report.printf("tokens: %d, logits: %s [%d x %d] float32 LE%n", ids.length, logitsFile.describe(), ids.length, vocab);
            if (predicted > 0) {
                double mean = sumLogProb[0] / predicted;
                report.printf("mean log-likelihood of next token: %.6f over %d predictions, perplexity: %.4f%n",
                        mean, predicted, Math.exp(-mean));
            } else {
                report.println("mean log-likelihood: n/a (one token has no next token to predict)");
            }
            err.printf("%s: %d tokens in %.2f s (%.1f tokens/s)%n", mode, ids.length, seconds, ids.length / seconds);
            if (lm.kernelReport != null) {
                lm.kernelReport.print(err);
            }
        }
        return 0;
    }
}
