package io.spikert.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The server's limits and lifecycle: a full queue answers 429 with Retry-After, a client that goes away
 * mid-stream frees its place for the next request, the API key guards every endpoint but /health, and a
 * shutdown ends running streams with an error event and [DONE]. Each server is on 127.0.0.1 and every wait is
 * bounded.
 */
@Timeout(300)
class ServerLimitsTest {
    @TempDir
    static Path dir;
    static final ObjectMapper JSON = new ObjectMapper();
    /** Long enough to still be running while the test acts (a few milliseconds per token here). */
    static final String LONG_STREAM = "{\"prompt\":\"Count\",\"max_tokens\":100000,\"temperature\":0,\"stream\":true}";

    static ServerConfig oneAtATime() {
        return TestServer.config().withLimits(1, 64, 1, 1024, 100000);
    }

    static CompletableFuture<HttpResponse<InputStream>> open(TestServer s, String body) {
        var req = HttpRequest.newBuilder(URI.create(s.base + "/v1/completions")).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return s.http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Reads the stream's first data event (the request is running). */
    static BufferedReader firstEvent(HttpResponse<InputStream> r) throws Exception {
        assertEquals(200, r.statusCode());
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
            // skip blank lines and comments
        }
        assertNotNull(line, "the stream ended before its first event");
        return in;
    }

    @Test
    void aFullQueueAnswers429AndAClientThatLeavesFreesItsPlace() throws Exception {
        try (TestServer s = TestServer.start(dir, oneAtATime())) {
            var running = open(s, LONG_STREAM).get(60, TimeUnit.SECONDS);
            BufferedReader first = firstEvent(running);
            var waiting = open(s, LONG_STREAM); // queued: the one place is taken
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (s.server.metrics().queued.get() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, s.server.metrics().queued.get(), "the second request waits");
            var refused = s.post("/v1/completions", LONG_STREAM);
            assertEquals(429, refused.statusCode(), refused.body());
            assertEquals("1", refused.headers().firstValue("retry-after").orElse(""));
            assertEquals("queue_full", JSON.readTree(refused.body()).path("error").path("code").asText());

            first.close(); // the client goes away mid-stream
            BufferedReader second = firstEvent(waiting.get(60, TimeUnit.SECONDS)); // and the waiting one starts
            assertTrue(s.server.metrics().cancelled.sum() >= 1, "the abandoned request was cancelled");
            second.close();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (s.server.metrics().active.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, s.server.metrics().active.get(), "both places freed");
            String metrics = s.get("/metrics").body();
            assertTrue(metrics.contains("spikert_rejected_total 1"), metrics);
        }
    }

    @Test
    void theApiKeyGuardsEveryEndpointButHealth() throws Exception {
        try (TestServer s = TestServer.start(dir, TestServer.config().withApiKey("sekret-key"))) {
            assertEquals(200, s.get("/health").statusCode());
            for (String path : new String[] {"/v1/models", "/metrics"}) {
                var none = s.get(path);
                assertEquals(401, none.statusCode(), path);
                assertEquals("Bearer", none.headers().firstValue("www-authenticate").orElse(""));
                assertEquals("invalid_api_key", JSON.readTree(none.body()).path("error").path("code").asText());
                assertEquals(401, s.get(path, "Authorization", "Bearer sekret-kez").statusCode(), path);
                assertEquals(401, s.get(path, "Authorization", "Bearer sekret-key-and-more").statusCode(), path);
                assertEquals(200, s.get(path, "Authorization", "Bearer sekret-key").statusCode(), path);
            }
            String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}";
            assertEquals(401, s.post("/v1/chat/completions", body).statusCode());
            assertEquals(200, s.post("/v1/chat/completions", body, "Authorization", "Bearer sekret-key").statusCode());
        }
    }

    @Test
    void shutdownEndsRunningStreamsWithAnErrorAndDone() throws Exception {
        TestServer s = TestServer.start(dir, oneAtATime().withShutdownGrace(Duration.ZERO));
        CompletableFuture<String> tail;
        try {
            BufferedReader stream = firstEvent(open(s, LONG_STREAM).get(60, TimeUnit.SECONDS));
            tail = CompletableFuture.supplyAsync(() -> { // the client keeps reading while the server stops
                StringBuilder rest = new StringBuilder();
                try {
                    for (String line; (line = stream.readLine()) != null; ) {
                        rest.append(line).append('\n');
                    }
                } catch (java.io.IOException e) {
                    rest.append("read failed: ").append(e);
                }
                return rest.toString();
            });
        } finally {
            s.close();
        }
        String text = tail.get(60, TimeUnit.SECONDS);
        String end = text.substring(Math.max(0, text.length() - 600));
        assertTrue(text.contains("\"code\":\"server_shutting_down\""), end);
        assertTrue(text.strip().endsWith("data: [DONE]"), end);
    }
}
