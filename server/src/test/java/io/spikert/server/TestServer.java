package io.spikert.server;

import io.spikert.model.SpikingBrainModel;
import io.spikert.model.chat.ChatTemplate;
import io.spikert.model.generate.StopTokens;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A server on 127.0.0.1 (a free port) over a small synthetic checkpoint with the real Qwen2.5 tokenizer, and
 * a plain HTTP client for it. Every request has a timeout, so a hung server fails the test instead of hanging it.
 */
public final class TestServer implements AutoCloseable {
    /** Small enough to decode a token in a few milliseconds; the real tokenizer's vocabulary. */
    static final SyntheticCheckpoint.Dims DIMS = new SyntheticCheckpoint.Dims(152064, 64, 2, 2, 1, 128, 8);

    final CpuBackend backend;
    final SpikingBrainModel model;
    final Tokenizer tokenizer;
    final SpikertServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final String base;

    private TestServer(CpuBackend backend, SpikingBrainModel model, Tokenizer tokenizer, SpikertServer server) {
        this.backend = backend;
        this.model = model;
        this.tokenizer = tokenizer;
        this.server = server;
        this.base = "http://127.0.0.1:" + server.port();
    }

    /** Writes the checkpoint once into {@code dir} (reused when present). */
    public static Path checkpoint(Path dir) throws IOException {
        Path d = dir.resolve("tiny-served");
        if (!Files.exists(d.resolve("model.safetensors"))) {
            SyntheticCheckpoint.write(d, DIMS, DType.BF16, 11, x -> { });
        }
        return d;
    }

    /** A Qwen2 checkpoint of the same shape whose context limit is {@code contextLimit}, written once into {@code dir}. */
    static Path qwen2Checkpoint(Path dir, int contextLimit) throws IOException {
        Path d = dir.resolve("tiny-qwen2-served-" + contextLimit);
        if (!Files.exists(d.resolve("model.safetensors"))) {
            SyntheticCheckpoint.Dims dims = new SyntheticCheckpoint.Dims(DIMS.vocab(), DIMS.hidden(), DIMS.layers(), DIMS.heads(),
                    DIMS.kvHeads(), DIMS.intermediate(), contextLimit);
            SyntheticCheckpoint.writeQwen2(d, dims, DType.BF16, 11, x -> { }, true);
        }
        return d;
    }

    static TestServer start(Path dir, ServerConfig config) throws Exception {
        return serve(checkpoint(dir), config);
    }

    static TestServer serve(Path d, ServerConfig config) throws Exception {
        CpuBackend backend = new CpuBackend(2);
        SpikingBrainModel model = SpikingBrainModel.load(d, backend);
        Tokenizer tokenizer = Tokenizer.load(d);
        int sampleVocab = Math.min(model.config().vocabSize(), tokenizer.vocabSize());
        SpikertServer server = SpikertServer.start(model, tokenizer, ChatTemplate.load(d), StopTokens.of(model.config(), tokenizer), sampleVocab,
                config.withAddress("127.0.0.1", 0));
        return new TestServer(backend, model, tokenizer, server);
    }

    static ServerConfig config() {
        return ServerConfig.defaults("tiny").withShutdownGrace(Duration.ofSeconds(5));
    }

    HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        try {
            server.close();
        } finally {
            model.close();
            backend.close();
        }
    }
}
