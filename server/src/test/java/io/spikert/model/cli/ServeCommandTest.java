package io.spikert.model.cli;

import io.spikert.server.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code spikert serve} as the CLI runs it: found by {@code spikert}'s command list, bad options refused before
 * anything loads, and a served model answering on 127.0.0.1 until stopped as SIGTERM stops it.
 */
@Timeout(300)
class ServeCommandTest {
    @TempDir
    static Path dir;

    static String run(String... argv) throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return status + "\n" + out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void serveIsACommandOfSpikert() throws Exception {
        String usage = run("--help");
        assertTrue(usage.contains("serve"), usage);
        String help = run("serve", "--help");
        assertTrue(help.startsWith("0\n") && help.contains("--api-key-file") && help.contains("127.0.0.1"), help);
    }

    @Test
    void badOptionsAreRefusedBeforeTheModelLoads() throws Exception {
        Path model = TestServer.checkpoint(dir);
        String[][] cases = {
            {"serve", "--model", dir.resolve("missing").toString()},
            {"serve", "--model", model.toString(), "--port", "70000"},
            {"serve", "--model", model.toString(), "--max-batch", "0"},
            {"serve", "--model", model.toString(), "--max-batch", "16", "--step-tokens", "8"},
            {"serve", "--model", model.toString(), "--api-key", "a", "--api-key-file", "f"},
            {"serve", "--model", model.toString(), "--api-key-file", dir.resolve("nokey").toString()},
        };
        String[] expected = {"does not exist", "port", "--max-batch", "--step-tokens (8) must be at least --max-batch (16)", "not both", "nokey"};
        for (int i = 0; i < cases.length; i++) {
            String r = run(cases[i]);
            assertTrue(r.startsWith("2\n"), String.join(" ", cases[i]) + " -> " + r);
            assertTrue(r.contains(expected[i]), String.join(" ", cases[i]) + " -> " + r);
        }
    }

    @Test
    void servesUntilStopped() throws Exception {
        Path model = TestServer.checkpoint(dir);
        Path keyFile = dir.resolve("key.txt");
        Files.writeString(keyFile, "file-key\n");
        ServeCommand serve = new ServeCommand();
        var err = new ByteArrayOutputStream();
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> {
            try {
                return serve.run(new String[] {"serve", "--model", model.toString(), "--port", "0", "--threads", "1",
                        "--api-key-file", keyFile.toString(), "--served-model-name", "mini"},
                        System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(serve.listening.await(120, TimeUnit.SECONDS), "listening: " + err);
        HttpClient http = HttpClient.newHttpClient();
        var models = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serve.boundPort + "/v1/models"))
                .header("Authorization", "Bearer file-key").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, models.statusCode());
        assertTrue(models.body().contains("\"mini\""), models.body());
        serve.stopper.run();
        assertEquals(0, status.get(60, TimeUnit.SECONDS));
        String log = err.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("http://127.0.0.1:" + serve.boundPort + "/v1") && log.contains("API key required"), log);
    }
}
