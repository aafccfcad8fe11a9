package io.spikert.model.cli;

import io.spikert.model.chat.ChatTemplate;
import io.spikert.server.ServerConfig;
import io.spikert.server.SpikertServer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code spikert serve}: loads a model and serves it over the OpenAI API until SIGTERM or Ctrl-C. Lives in the
 * server module (this package, so it shares the CLI's option handling) and joins {@code spikert}'s commands
 * through {@link java.util.ServiceLoader}.
 */
@Command(name = "serve", sortOptions = false, description = {
        "Serves the model over the OpenAI API (POST /v1/chat/completions and /v1/completions, streamed or not; GET"
                + " /v1/models, /health, /metrics) with continuous batching: every step decodes all running requests in one"
                + " pass over the weights and reads waiting prompts in chunks within a token budget. Listens on 127.0.0.1"
                + " unless --host says otherwise. SIGTERM or Ctrl-C lets running requests finish (up to --shutdown-grace)"
                + " and stops."})
public final class ServeCommand extends CliCommand {
    static final String API_KEY_ENV = "SPIKERT_API_KEY";

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The model folder (config.json, weights, tokenizer).")
    Path model;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = ServerConfig.DEFAULT_HOST,
            description = "Address to listen on (default 127.0.0.1: this machine only). 0.0.0.0 exposes the server to the network.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "TCP port (default 8080; 0 picks a free one).")
    int port;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "The model id /v1/models lists (default: the folder's name).")
    String modelName;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require Authorization: Bearer KEY on every endpoint but /health."
            + " Also read from $" + API_KEY_ENV + "; --api-key-file keeps it off the command line.")
    String apiKey;

    @Option(names = "--api-key-file", paramLabel = "FILE", description = "Read the API key from FILE (its first line).")
    Path apiKeyFile;

    @Option(names = "--max-batch", paramLabel = "N", description = "Most requests generating at once (default 8).")
    Integer maxBatch;

    @Option(names = "--step-tokens", paramLabel = "N", description = "Most tokens one step runs: the running requests' decode"
            + " tokens plus prompt chunks (default 256). Smaller keeps the running streams smoother while a long prompt is read.")
    Integer stepTokens;

    @Option(names = "--max-queue", paramLabel = "N", description = "Most requests waiting to start; more get 429 (default 64).")
    Integer maxQueue;

    @Option(names = "--max-prompt-tokens", paramLabel = "N", description = "Longest prompt accepted (default 32768).")
    Integer maxPromptTokens;

    @Option(names = "--max-tokens-limit", paramLabel = "N", description = "Largest max_tokens a request may ask for (default 8192).")
    Integer maxTokensLimit;

    @Option(names = "--state-cache-mb", paramLabel = "MB", description = "Heap for the states at the ends of finished requests,"
            + " so a conversation's next turn resumes there and prefills only its new tokens (default: a quarter of the heap, at"
            + " most 1024; 0 turns it off; a 7B state is up to about 240 MB; SPIKERT_JAVA_OPTS=-Xmx8g gives a larger heap).")
    Integer stateCacheMb;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS", description = "How long a shutdown lets running requests finish (default 30).")
    Integer shutdownGrace;

    @Mixin
    RunOptions run = new RunOptions();

    /** Counted down once the server is listening (tests wait on it); the CLI itself never needs it. */
    final CountDownLatch listening = new CountDownLatch(1);
    volatile int boundPort = -1;
    /** Stops the server as SIGTERM does (tests); set once it listens. */
    volatile Runnable stopper;
    /** Counted down once the engine has stopped and Jetty has closed (the last responses written). */
    private final CountDownLatch closed = new CountDownLatch(1);

    @Override
    int execute() throws Exception {
        ServerConfig d = ServerConfig.defaults("spikert");
        String key = apiKey();
        int batch = atLeast("--max-batch", maxBatch, d.maxBatch(), 1);
        int step = atLeast("--step-tokens", stepTokens, d.stepTokens(), 1);
        if (step < batch) {
            throw new UsageException("--step-tokens (" + step + ") must be at least --max-batch (" + batch
                    + "): every running request takes one token per step");
        }
        ServerConfig config;
        try {
            config = ServerConfig.defaults(modelName != null ? modelName : "spikert").withAddress(host, port)
                    .withLimits(batch, step, atLeast("--max-queue", maxQueue, d.maxQueue(), 1),
                            atLeast("--max-prompt-tokens", maxPromptTokens, d.maxPromptTokens(), 1),
                            atLeast("--max-tokens-limit", maxTokensLimit, d.maxTokensLimit(), 1))
                    .withApiKey(key).withShutdownGrace(Duration.ofSeconds(atLeast("--shutdown-grace", shutdownGrace, 30, 0)))
                    .withStateCacheBytes(cacheBytes());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        var inputs = ModelInputs.folder(model);
        if (modelName == null) {
            Path name = inputs.dir.toAbsolutePath().normalize().getFileName();
            config = config.withModelId(name == null ? "spikert" : name.toString());
        }
        if (inputs.tokenizer == null) {
            err.println("spikert serve: " + inputs.dir + " has no tokenizer files: only /v1/completions with token-id prompts will work");
        }
        ServerConfig cfg = config;
        ChatTemplate template = ChatTemplate.load(inputs.dir);
        if (run.verbose) {
            err.println("spikert serve: chat template " + template.source());
        }
        try (var lm = LoadedModel.open(inputs, run, err);
             var server = SpikertServer.openForCaller(lm.model, lm.tokenizer, template, lm.stopTokens(), lm.sampleVocab(), cfg)) {
            boundPort = server.port();
            Thread hook = new Thread(() -> {
                err.println("spikert serve: stopping (running requests get up to " + cfg.shutdownGrace().toSeconds() + " s to finish)");
                server.requestStop(cfg.shutdownGrace());
                awaitQuietly(closed); // the JVM halts when the hooks return: let the last responses go out first
            }, "spikert-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            stopper = () -> server.requestStop(cfg.shutdownGrace());
            err.printf("spikert serve: %s on http://%s:%d/v1 (model id \"%s\", %s; %d requests at once, %d tokens a step%s)%n",
                    lm.model.variant(), hostForUrl(cfg.host()), server.port(), cfg.modelId(), lm.backend.name(),
                    cfg.maxBatch(), cfg.stepTokens(), key != null ? ", API key required" : "");
            listening.countDown();
            try {
                server.runEngine(); // on this thread, which opened the backend (a GPU's context is current here)
            } finally {
                try {
                    server.close(); // Jetty stops once the running responses are written (closing again below is a no-op)
                } finally {
                    closed.countDown();
                }
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is what stopped the engine; it waits for closed
            }
        }
        return 0;
    }

    /**
     * --state-cache-mb in bytes (default a quarter of the heap, at most 1 GiB), refused where it would take more than
     * half the heap the JVM may use.
     */
    private long cacheBytes() {
        long heap = Runtime.getRuntime().maxMemory();
        long bytes = (long) atLeast("--state-cache-mb", stateCacheMb, (int) Math.min(1024, (heap / 4) >> 20), 0) << 20;
        if (bytes > heap / 2) {
            throw new UsageException("--state-cache-mb " + (bytes >> 20) + " is more than half of this JVM's heap (" + (heap >> 20)
                    + " MB); give less, or a larger heap (SPIKERT_JAVA_OPTS=-Xmx...)");
        }
        return bytes;
    }

    private String apiKey() throws IOException {
        String env = System.getenv(API_KEY_ENV);
        int given = (apiKey != null ? 1 : 0) + (apiKeyFile != null ? 1 : 0);
        if (given > 1) {
            throw new UsageException("give --api-key or --api-key-file, not both");
        }
        String key = apiKey;
        if (apiKeyFile != null) {
            if (!Files.isRegularFile(apiKeyFile)) {
                throw new UsageException("--api-key-file " + apiKeyFile + (Files.exists(apiKeyFile) ? " is not a regular file" : " does not exist"));
            }
            String text = Files.readString(apiKeyFile, StandardCharsets.UTF_8);
            key = text.lines().findFirst().orElse("").strip();
            if (key.isEmpty()) {
                throw new UsageException("--api-key-file " + apiKeyFile + " holds no key (its first line is empty)");
            }
        }
        if (key == null && env != null && !env.isBlank()) {
            key = env.strip();
        }
        if (key != null && key.isBlank()) {
            throw new UsageException("--api-key must not be empty");
        }
        return key;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
