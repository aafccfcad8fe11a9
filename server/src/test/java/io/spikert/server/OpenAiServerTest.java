package io.spikert.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The server over plain HTTP on 127.0.0.1: the OpenAI response shapes, streaming, usage, seeds, stop strings,
 * batched requests against the same requests run alone, and every class of malformed request.
 */
@Timeout(300)
class OpenAiServerTest {
    @TempDir
    static Path dir;
    static TestServer server;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, TestServer.config());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static String chat(String user, int maxTokens, String extra) {
        return "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":" + JSON.valueToTree(user) + "}],\"max_tokens\":" + maxTokens
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    /** The text of the chunks of a server-sent event stream, and the parsed chunks. */
    record Stream(String text, List<JsonNode> chunks, boolean done) {
        static Stream parse(String body, boolean chat) throws Exception {
            StringBuilder text = new StringBuilder();
            List<JsonNode> chunks = new ArrayList<>();
            boolean done = false;
            for (String event : body.split("\n\n")) {
                if (event.isBlank() || event.startsWith(":")) {
                    continue;
                }
                assertTrue(event.startsWith("data: "), "an SSE event: " + event);
                String data = event.substring(6);
                assertFalse(done, "nothing after [DONE]");
                if (data.equals("[DONE]")) {
                    done = true;
                    continue;
                }
                JsonNode c = JSON.readTree(data);
                chunks.add(c);
                for (JsonNode choice : c.path("choices")) {
                    text.append(chat ? choice.path("delta").path("content").asText("") : choice.path("text").asText(""));
                }
            }
            return new Stream(text.toString(), chunks, done);
        }
    }

    @Test
    void healthAndModels() throws Exception {
        var h = server.get("/health");
        assertEquals(200, h.statusCode());
        assertEquals("ok", json(h).path("status").asText());
        var m = json(server.get("/v1/models"));
        assertEquals("list", m.path("object").asText());
        assertEquals("tiny", m.path("data").get(0).path("id").asText());
    }

    @Test
    void chatCompletionHasTheOpenAiShapeAndRightUsage() throws Exception {
        var r = server.post("/v1/chat/completions", chat("Hello there", 6, "\"temperature\":0"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode b = json(r);
        assertEquals("chat.completion", b.path("object").asText());
        assertTrue(b.path("id").asText().startsWith("chatcmpl-"));
        JsonNode choice = b.path("choices").get(0);
        assertEquals("assistant", choice.path("message").path("role").asText());
        String text = choice.path("message").path("content").asText();
        String reason = choice.path("finish_reason").asText();
        assertTrue(reason.equals("length") || reason.equals("stop"), reason);
        // the prompt as SpikingBrain's ChatML renders it (the template's default system prompt, then the user turn)
        int expectedPrompt = server.tokenizer.encode("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n").length;
        JsonNode u = b.path("usage");
        assertEquals(expectedPrompt, u.path("prompt_tokens").asInt());
        int completion = u.path("completion_tokens").asInt();
        assertTrue(reason.equals("length") ? completion == 6 : completion <= 6, u.toString());
        assertEquals(expectedPrompt + completion, u.path("total_tokens").asInt());
        // greedy: the same request gives the same text
        var again = json(server.post("/v1/chat/completions", chat("Hello there", 6, "\"temperature\":0")));
        assertEquals(text, again.path("choices").get(0).path("message").path("content").asText());
    }

    @Test
    void streamedTextEqualsTheWholeAnswerAndEndsWithUsageAndDone() throws Exception {
        String extra = "\"temperature\":0";
        String whole = json(server.post("/v1/chat/completions", chat("Tell me a story", 12, extra)))
                .path("choices").get(0).path("message").path("content").asText();
        var r = server.post("/v1/chat/completions", chat("Tell me a story", 12,
                extra + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        Stream s = Stream.parse(r.body(), true);
        assertTrue(s.done(), "ends with data: [DONE]");
        assertEquals(whole, s.text());
        assertEquals("assistant", s.chunks().getFirst().path("choices").get(0).path("delta").path("role").asText());
        JsonNode last = s.chunks().getLast();
        assertEquals(0, last.path("choices").size(), "the usage chunk has no choices");
        assertEquals(12, last.path("usage").path("completion_tokens").asInt() + 0 * 1, last.toString());
        JsonNode finish = s.chunks().get(s.chunks().size() - 2).path("choices").get(0);
        assertEquals("length", finish.path("finish_reason").asText());
        for (JsonNode c : s.chunks().subList(0, s.chunks().size() - 1)) {
            assertTrue(c.has("usage") && c.get("usage").isNull(), "usage null before the last chunk: " + c);
            assertEquals("chat.completion.chunk", c.path("object").asText());
        }
    }

    @Test
    void completionsStreamAndTokenIdPrompts() throws Exception {
        int[] ids = server.tokenizer.encode("Once upon a time");
        var whole = json(server.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":5,\"temperature\":0}"));
        assertEquals("text_completion", whole.path("object").asText());
        String text = whole.path("choices").get(0).path("text").asText();
        assertEquals(ids.length, whole.path("usage").path("prompt_tokens").asInt());
        var byIds = json(server.post("/v1/completions", "{\"prompt\":" + JSON.valueToTree(ids) + ",\"max_tokens\":5,\"temperature\":0}"));
        assertEquals(text, byIds.path("choices").get(0).path("text").asText(), "a token-id prompt gives the same text");
        var streamed = server.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":5,\"temperature\":0,\"stream\":true}");
        Stream s = Stream.parse(streamed.body(), false);
        assertTrue(s.done());
        assertEquals(text, s.text());
    }

    @Test
    void seedsReproduceSampling() throws Exception {
        String a = chat("Pick words", 10, "\"temperature\":1.0,\"seed\":7");
        String t1 = json(server.post("/v1/chat/completions", a)).path("choices").get(0).path("message").path("content").asText();
        String t2 = json(server.post("/v1/chat/completions", a)).path("choices").get(0).path("message").path("content").asText();
        assertEquals(t1, t2, "the same seed gives the same tokens");
        boolean differs = false;
        for (int seed = 8; seed < 12 && !differs; seed++) {
            String t = json(server.post("/v1/chat/completions", chat("Pick words", 10, "\"temperature\":1.0,\"seed\":" + seed)))
                    .path("choices").get(0).path("message").path("content").asText();
            differs = !t.equals(t1);
        }
        assertTrue(differs, "other seeds give other samples");
    }

    @Test
    void stopStringsCutTheOutput() throws Exception {
        String full = json(server.post("/v1/completions", "{\"prompt\":\"Hello\",\"max_tokens\":16,\"temperature\":0}"))
                .path("choices").get(0).path("text").asText();
        assertTrue(full.length() >= 4, "needs some text to cut: " + full);
        String stop = full.substring(2, 4);
        int at = full.indexOf(stop);
        for (boolean stream : new boolean[] {false, true}) {
            var r = server.post("/v1/completions", "{\"prompt\":\"Hello\",\"max_tokens\":16,\"temperature\":0,\"stop\":"
                    + JSON.valueToTree(stop) + (stream ? ",\"stream\":true" : "") + "}");
            String text;
            String reason;
            if (stream) {
                Stream s = Stream.parse(r.body(), false);
                text = s.text();
                reason = s.chunks().getLast().path("choices").get(0).path("finish_reason").asText();
            } else {
                JsonNode c = json(r).path("choices").get(0);
                text = c.path("text").asText();
                reason = c.path("finish_reason").asText();
            }
            assertEquals(full.substring(0, at), text, "stream " + stream);
            assertEquals("stop", reason);
        }
    }

    /**
     * A conversation resent with the answer and a new turn resumes from the state cached at the end of the first
     * turn: usage reports the cached tokens, and the answer equals the same request on a server without a cache.
     */
    @Test
    void aConversationsNextTurnResumesFromTheCachedState() throws Exception {
        String first = chat("Remember the number seven", 8, "\"temperature\":0");
        JsonNode one = json(server.post("/v1/chat/completions", first));
        assertEquals(0, one.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt(), one.toString());
        String answer = one.path("choices").get(0).path("message").path("content").asText();
        String turns = "{\"messages\":[{\"role\":\"user\",\"content\":\"Remember the number seven\"},"
                + "{\"role\":\"assistant\",\"content\":" + JSON.valueToTree(answer) + "},"
                + "{\"role\":\"user\",\"content\":\"Which number?\"}],\"max_tokens\":6,\"temperature\":0}";
        JsonNode two = json(server.post("/v1/chat/completions", turns));
        int cached = two.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt();
        int prompt = two.path("usage").path("prompt_tokens").asInt();
        assertTrue(cached > one.path("usage").path("prompt_tokens").asInt() && cached < prompt, two.path("usage").toString());
        try (TestServer uncached = TestServer.start(dir, TestServer.config().withStateCacheBytes(0))) {
            JsonNode fresh = json(uncached.post("/v1/chat/completions", turns));
            assertEquals(0, fresh.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt());
            assertEquals(fresh.path("choices").get(0).path("message").path("content").asText(),
                    two.path("choices").get(0).path("message").path("content").asText(), "resumed = prefilled from scratch");
        }
        assertTrue(server.get("/metrics").body().contains("spikert_state_cache_hits_total"));
    }

    /**
     * A next turn whose assistant message is not the reply the server generated (edited by the client, or
     * tokenized differently) still resumes from the state cached right after the first turn's prompt.
     */
    @Test
    void anEditedReplyStillResumesAfterThePreviousPrompt() throws Exception {
        JsonNode one = json(server.post("/v1/chat/completions", chat("Name a colour", 5, "\"temperature\":0")));
        int firstPrompt = one.path("usage").path("prompt_tokens").asInt();
        String turns = "{\"messages\":[{\"role\":\"user\",\"content\":\"Name a colour\"},"
                + "{\"role\":\"assistant\",\"content\":\"Blue, of course (an edited answer).\"},"
                + "{\"role\":\"user\",\"content\":\"Another?\"}],\"max_tokens\":4,\"temperature\":0}";
        JsonNode two = json(server.post("/v1/chat/completions", turns));
        assertEquals(firstPrompt, two.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt(), two.toString());
        try (TestServer uncached = TestServer.start(dir, TestServer.config().withStateCacheBytes(0))) {
            assertEquals(json(uncached.post("/v1/chat/completions", turns)).path("choices").get(0).path("message").path("content").asText(),
                    two.path("choices").get(0).path("message").path("content").asText(), "resumed = prefilled from scratch");
        }
    }

    /** Tools offered are rendered into the prompt by the model's template; tool calls and results in the history are accepted. */
    @Test
    void toolsGoThroughTheChatTemplate() throws Exception {
        String tool = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather of a city\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}";
        int plain = json(server.post("/v1/chat/completions", chat("Weather in Paris?", 1, ""))).path("usage").path("prompt_tokens").asInt();
        int offered = json(server.post("/v1/chat/completions", chat("Weather in Paris?", 1, "\"tools\":[" + tool + "]")))
                .path("usage").path("prompt_tokens").asInt();
        int none = json(server.post("/v1/chat/completions", chat("Weather in Paris?", 1, "\"tools\":[" + tool + "],\"tool_choice\":\"none\"")))
                .path("usage").path("prompt_tokens").asInt();
        assertTrue(offered > plain + 20, "the tool's definition is in the prompt: " + plain + " -> " + offered);
        assertEquals(plain, none, "tool_choice none shows no tools");
        String history = "{\"tools\":[" + tool + "],\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\": \\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"sunny\"}]}";
        var r = server.post("/v1/chat/completions", history);
        assertEquals(200, r.statusCode(), r.body());
        for (String[] bad : new String[][] {
            {"\"tools\":[{\"type\":\"retrieval\"}]", "tools[0]"},
            {"\"tools\":[" + tool + "],\"tool_choice\":\"required\"", "tool_choice"},
            {"\"tools\":{}", "tools"},
        }) {
            var e = server.post("/v1/chat/completions", chat("x", 1, bad[0]));
            assertEquals(400, e.statusCode(), e.body());
            assertEquals(bad[1], json(e).path("error").path("param").asText(), e.body());
        }
        var noId = server.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}");
        assertEquals("messages[0].tool_call_id", json(noId).path("error").path("param").asText(), noId.body());
    }

    @Test
    void logprobsComeWithTheTokens() throws Exception {
        var b = json(server.post("/v1/chat/completions", chat("Hi", 3, "\"temperature\":0,\"logprobs\":true,\"top_logprobs\":2")));
        JsonNode content = b.path("choices").get(0).path("logprobs").path("content");
        assertTrue(content.size() >= 1, b.toString());
        for (JsonNode t : content) {
            assertTrue(t.path("logprob").asDouble() <= 0);
            assertEquals(2, t.path("top_logprobs").size());
            // greedy: the chosen token is the most likely one
            assertEquals(t.path("top_logprobs").get(0).path("logprob").asDouble(), t.path("logprob").asDouble(), 1e-6);
        }
    }

    @Test
    void concurrentRequestsGiveWhatEachGivesAlone() throws Exception {
        String[] prompts = {"Alpha", "A longer prompt about many things", "Gamma delta", "Epsilon"};
        String[] alone = new String[prompts.length];
        for (int i = 0; i < prompts.length; i++) {
            alone[i] = json(server.post("/v1/chat/completions", chat(prompts[i], 10, "\"temperature\":0")))
                    .path("choices").get(0).path("message").path("content").asText();
        }
        ExecutorService pool = Executors.newFixedThreadPool(prompts.length);
        try {
            for (int round = 0; round < 2; round++) {
                List<Future<String>> together = new ArrayList<>();
                for (String p : prompts) {
                    together.add(pool.submit(() -> json(server.post("/v1/chat/completions", chat(p, 10, "\"temperature\":0")))
                            .path("choices").get(0).path("message").path("content").asText()));
                }
                for (int i = 0; i < prompts.length; i++) {
                    assertEquals(alone[i], together.get(i).get(), "request " + i + " in a batch, round " + round);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(server.server.metrics().batchSize.count() > 0);
    }

    @Test
    void malformedRequestsGet400NamingTheField() throws Exception {
        String[][] cases = {
            {"{not json", null},
            {"[1,2]", null},
            {"{\"messages\":[]}", "messages"},
            {"{}", "messages"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}", "temperature"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":3}", "temperature"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_p\":0}", "top_p"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}", "max_tokens"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":1.5}", "max_tokens"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":100000000}", "max_tokens"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}", "n"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"frobnicate\":1}", "frobnicate"},
            {"{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}", "messages[0].role"},
            {"{\"messages\":[{\"role\":\"user\"}]}", "messages[0].content"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}", "messages[0].content[0]"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":[1]}", "stop"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}", "stream"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream_options\":{\"include_usage\":true}}", "stream_options"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_logprobs\":3}", "top_logprobs"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"seed\":\"s\"}", "seed"},
            {"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"presence_penalty\":5}", "presence_penalty"},
        };
        for (String[] c : cases) {
            var r = server.post("/v1/chat/completions", c[0]);
            assertEquals(400, r.statusCode(), c[0] + " -> " + r.body());
            JsonNode e = json(r).path("error");
            assertEquals("invalid_request_error", e.path("type").asText(), r.body());
            if (c[1] == null) {
                assertTrue(e.path("param").isNull(), r.body());
            } else {
                assertEquals(c[1], e.path("param").asText(), c[0] + " -> " + r.body());
            }
            assertFalse(r.body().contains("at io.spikert") || r.body().contains("Exception"), "no stack trace: " + r.body());
        }
        var badId = server.post("/v1/completions", "{\"prompt\":[1,-5],\"max_tokens\":2}");
        assertEquals(400, badId.statusCode());
        assertEquals("prompt", json(badId).path("error").path("param").asText());
    }

    @Test
    void wrongPathsMethodsAndSizes() throws Exception {
        assertEquals(404, server.get("/v1/nothing").statusCode());
        var wrongMethod = server.get("/v1/chat/completions");
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST", wrongMethod.headers().firstValue("allow").orElse(""));
        String huge = chat("x".repeat((int) TestServer.config().maxBodyBytes()), 1, "");
        for (int i = 0; i < 5; i++) { // the body is read and dropped, so the client gets the 413, not a reset connection
            var tooBig = server.post("/v1/chat/completions", huge);
            assertEquals(413, tooBig.statusCode());
            assertEquals("request_too_large", json(tooBig).path("error").path("code").asText());
        }
        // the same without a Content-Length (chunked): refused once the limit is crossed
        byte[] bytes = huge.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var chunked = server.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.base + "/v1/chat/completions"))
                .timeout(java.time.Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode(), chunked.body());
        var metrics = server.get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("spikert_requests_total{endpoint=\"/v1/chat/completions\",status=\"400\"}")
                || metrics.body().contains("spikert_requests_total{endpoint=\"/v1/chat/completions\",status=\"413\"}"), metrics.body());
        assertTrue(metrics.body().contains("# TYPE spikert_time_to_first_token_seconds histogram"));
    }
}
