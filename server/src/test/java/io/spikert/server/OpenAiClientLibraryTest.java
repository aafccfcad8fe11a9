package io.spikert.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The server as the official OpenAI client library (the {@code openai} npm package, pinned in
 * server/src/test/node/package.json and installed by the build's {@code npm ci}) sees it: chat and
 * completions, streamed and not, the stream helper, seeds, stop strings, and its typed 400 and 401 errors.
 * Node.js is needed to build the server module's tests (the README says so).
 */
@Timeout(300)
class OpenAiClientLibraryTest {
    @TempDir
    static Path dir;

    @Test
    void theOfficialClientLibraryWorksAgainstTheServer() throws Exception {
        Path script = Path.of("src/test/node/openai_client_test.mjs").toAbsolutePath();
        assertTrue(Files.isDirectory(script.resolveSibling("node_modules").resolve("openai")),
                "the openai package is installed by the build (npm ci in server/src/test/node)");
        try (TestServer s = TestServer.start(dir, TestServer.config().withApiKey("client-key"))) {
            Process p = new ProcessBuilder(List.of("node", script.toString(), s.base + "/v1", "client-key"))
                    .directory(script.getParent().toFile()).redirectErrorStream(true).start();
            boolean done = p.waitFor(240, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(done, "the client script finished in time: " + out);
            assertEquals(0, p.exitValue(), out);
            for (String check : new String[] {"chat.completions.create", "chat.completions.create stream",
                    "chat.completions.stream finalChatCompletion", "completions.create", "seed",
                    "400 BadRequestError naming the field", "401 AuthenticationError"}) {
                assertTrue(out.lines().anyMatch(l -> l.equals("ok " + check)), check + " in: " + out);
            }
        }
    }
}
