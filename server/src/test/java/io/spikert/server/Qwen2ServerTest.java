package io.spikert.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.Architecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The server over a Qwen2 model (the synthetic Qwen2.5 layout with the real tokenizer), whose key/value cache
 * holds a limited context: a prompt that does not leave room for one token is refused with OpenAI's
 * {@code context_length_exceeded}, a long max_tokens ends with finish_reason "length" when the context is full,
 * and the other requests of the server go on.
 */
@Timeout(300)
class Qwen2ServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int LIMIT = 48;

    @TempDir
    static Path dir;

    @Test
    void qwen2IsServedWithinItsContextLimit() throws Exception {
        try (TestServer s = TestServer.serve(TestServer.qwen2Checkpoint(dir, LIMIT), TestServer.config())) {
            assertEquals(Architecture.QWEN2, s.model.config().architecture());
            var chat = s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3}");
            assertEquals(200, chat.statusCode(), chat.body());
            assertEquals(3, JSON.readTree(chat.body()).path("usage").path("completion_tokens").asInt(), chat.body());

            int[] ids = new int[LIMIT];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 100 + i;
            }
            var tooLong = s.post("/v1/completions", "{\"prompt\":" + JSON.writeValueAsString(ids) + ",\"max_tokens\":1}");
            assertEquals(400, tooLong.statusCode(), tooLong.body());
            JsonNode error = JSON.readTree(tooLong.body()).path("error");
            assertEquals("context_length_exceeded", error.path("code").asText(), tooLong.body());
            assertTrue(error.path("message").asText().contains("context limit is " + LIMIT), tooLong.body());

            int prompt = 40;
            var filled = s.post("/v1/completions", "{\"prompt\":" + JSON.writeValueAsString(java.util.Arrays.copyOf(ids, prompt))
                    + ",\"max_tokens\":1000,\"temperature\":0,\"ignore_eos\":true}");
            assertEquals(200, filled.statusCode(), filled.body());
            JsonNode body = JSON.readTree(filled.body());
            assertEquals("length", body.path("choices").path(0).path("finish_reason").asText(), filled.body());
            assertEquals(prompt, body.path("usage").path("prompt_tokens").asInt());
            assertEquals(LIMIT - prompt, body.path("usage").path("completion_tokens").asInt(),
                    "every generated token fits the context: " + filled.body());

            var after = s.post("/v1/completions", "{\"prompt\":\"Hello\",\"max_tokens\":2}");
            assertEquals(200, after.statusCode(), "the server goes on: " + after.body());
        }
    }
}
