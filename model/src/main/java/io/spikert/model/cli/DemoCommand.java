package io.spikert.model.cli;

import io.spikert.model.SpikingBrainModel;
import io.spikert.model.generate.Generator;
import io.spikert.model.generate.Sampler;
import io.spikert.model.generate.StopTokens;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;

import io.spikert.model.util.FileTrees;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * {@code spikert demo}: the whole path on a fresh machine. Writes a small checkpoint with synthetic
 * weights (published layout, real tokenizer) to a cache folder once, loads it through the same
 * loaders as a real model, generates, and reports speed and memory.
 */
@Command(name = "demo", sortOptions = false, description = {
        "Writes a small SpikingBrain checkpoint with SYNTHETIC weights (once, to the cache folder: --cache, else"
                + " $SPIKERT_CACHE, else ~/.cache/spikert), loads it and generates. The text is meaningless because the"
                + " weights are random; run a real model with spikert generate --model DIR."})
final class DemoCommand extends CliCommand {
    private static final String VERSION = "demo-v1";

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "The capital of France is", description = "The input text.")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Most tokens to generate (default 48).")
    Integer maxTokensArg;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: every processor).")
    Integer threadsArg;

    @Option(names = "--cache", paramLabel = "DIR", description = "The cache folder for the synthetic checkpoint.")
    Path cache;

    @Override
    int execute() throws Exception {
        int maxTokens = atLeast("--max-tokens", maxTokensArg, 48, 1);
        int threads = threads(threadsArg);
        Path dir = cacheRoot().resolve(VERSION);

        out.println("SpikeRT demo: the weights below are SYNTHETIC (deterministic random numbers in the published");
        out.println("SpikingBrain-7B layout and tensor names, with the real Qwen2.5 tokenizer), so the generated text");
        out.println("is meaningless. To run the real model, download SpikingBrain-7B (V1-7B-base or V1-7B-sft-s3-reasoning)");
        out.println("and run: scripts/spikert generate --model DIR --prompt \"...\" [--chat]");
        out.println();
        var d = SyntheticCheckpoint.Dims.DEMO;
        if (!Files.exists(dir.resolve("model.safetensors"))) {
            prepareCacheRoot(dir);
            out.printf("writing synthetic checkpoint to %s (vocab %d, hidden %d, %d layers, BF16) ...%n",
                    dir, d.vocab(), d.hidden(), d.layers());
            long t0 = System.nanoTime();
            writeCache(dir, d);
            out.printf("  written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        } else {
            out.printf("using cached synthetic checkpoint %s%n", dir);
        }

        long t0 = System.nanoTime();
        try (var backend = new CpuBackend(threads); var model = SpikingBrainModel.load(dir, backend)) {
            var tokenizer = Tokenizer.load(dir);
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            out.printf("loaded %s (%s, %,d weight bytes) in %.2f s on %s%n", dir.getFileName(), model.checkpoint().format(),
                    model.checkpoint().totalBytes(), loadSeconds, backend.name());
            int[] ids = tokenizer.encode(prompt);
            out.printf("prompt: %s  (%d tokens)%n", prompt, ids.length);
            out.print("output: ");
            var decoder = tokenizer.streamingDecoder();
            var session = model.newSession();
            var stops = StopTokens.of(model.config(), tokenizer);
            var r = new Generator(stops, tokenizer.vocabSize()).generate(session, ids, maxTokens, Sampler.greedy(), id -> {
                out.print(decoder.push(id));
                out.flush();
            });
            out.println(decoder.flush());
            out.printf("prefill: %d tokens, %.1f tokens/s | decode: %d tokens, %.1f tokens/s%n",
                    r.promptTokens(), r.prefillTokensPerSecond(), r.decodeSteps(), r.decodeTokensPerSecond());
            out.printf("memory: resident %s, Java heap used %s, session state %s%n",
                    MemoryReport.human(MemoryReport.residentBytes()), MemoryReport.human(MemoryReport.heapUsedBytes()),
                    MemoryReport.human(session.stateBytes()));
        }
        return 0;
    }

    /** Refuses an existing {@code dir} without a checkpoint (not one this command wrote); creates the cache folder. */
    private static void prepareCacheRoot(Path dir) throws IOException {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new UsageException("--cache: " + dir + " exists but holds no model.safetensors, so it is not a demo"
                    + " checkpoint this command wrote; remove it or choose another --cache folder");
        }
        Path root = dir.getParent();
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new UsageException("--cache " + root + " is not a folder");
        }
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            boolean here = e instanceof FileSystemException f && root.toString().equals(f.getFile());
            throw new IOException("cannot create the demo cache folder " + root + ": " + (here ? Main.reason(e) : Main.describe(e)), e);
        }
    }

    /**
     * Writes the demo checkpoint into {@code DIR.partial-XXXXXXXX} next to {@code dir} and renames it to {@code dir}
     * once complete. An existing {@code dir} without a checkpoint (not one this command wrote) is refused, never
     * written into; a failure removes the temporary folder.
     */
    private static void writeCache(Path dir, SyntheticCheckpoint.Dims d) throws IOException {
        Path root = dir.getParent();
        Path tmp = root.resolve(dir.getFileName() + ".partial-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4)));
        // created here, failing if the name is taken: the cleanup below may then delete only a folder this run made
        Files.createDirectory(tmp);
        try {
            SyntheticCheckpoint.write(tmp, d, DType.BF16, 1234L, bytes -> { });
            Files.move(tmp, dir);
        } catch (IOException e) {
            FileTrees.deleteTree(tmp);
            throw new IOException("cannot write the demo checkpoint to " + dir + ": " + Main.describe(e), e);
        } catch (RuntimeException e) {
            FileTrees.deleteTree(tmp);
            throw e;
        }
    }

    private Path cacheRoot() {
        if (cache != null) {
            return cache;
        }
        String env = System.getenv("SPIKERT_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "spikert");
    }
}
