package io.spikert.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.chat.ChatTemplate;
import io.spikert.model.generate.StopTokens;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.backend.GpuBackend;
import io.spikert.runtime.gpu.FakeKernels;
import org.junit.jupiter.api.BeforeAll;
import io.spikert.model.ModelVariant;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The server on a GPU backend (the fake GPU: driver, BLAS and kernels as FFM upcall stubs): the engine runs on
 * the thread that opened the backend (only there is the GPU context current) while requests arrive on Jetty's
 * threads; concurrent requests batched on the device give what each gives alone, a resumed conversation reads
 * its state back from the device snapshot, and the device memory is all freed at the end.
 */
@Timeout(300)
class ServerOnFakeGpuTest {
    @TempDir
    static Path dir;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void installFakeGpu() {
        FakeGpu.shared().install();
        FakeGpu.shared().reset();
        FakeKernels.register(FakeGpu.shared());
    }

    static String text(HttpClient http, String base, String body) throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions")).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode b = JSON.readTree(r.body());
        return b.path("choices").get(0).path("message").path("content").asText() + "|cached="
                + b.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt();
    }

    /** The base checkpoint of the other server tests, or a W8ASpike one of the same vocabulary (widths in groups of 128). */
    static Path checkpoint(String variant) throws Exception {
        if (variant.equals("base")) {
            return TestServer.checkpoint(dir);
        }
        Path d = dir.resolve("tiny-served-w8aspike");
        if (!java.nio.file.Files.exists(d.resolve("model.safetensors"))) {
            SyntheticCheckpoint.write(d, new SyntheticCheckpoint.Dims(152064, 128, 2, 2, 1, 256, 8), ModelVariant.W8ASPIKE,
                    SyntheticCheckpoint.RawValues.BF16_AND_DOWN_CODES, DType.F32, 13, x -> { }, true);
        }
        return d;
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "w8aspike"})
    void theEngineRunsOnTheGpuThreadAndBatchesRequests(String variant) throws Exception {
        FakeGpu.shared().reset();
        FakeKernels.register(FakeGpu.shared());
        Path d = checkpoint(variant);
        try (var gpu = GpuBackend.open(Vendor.CUDA); var model = SpikingBrainModel.load(d, gpu)) {
            Tokenizer tok = Tokenizer.load(d);
            var server = SpikertServer.openForCaller(model, tok, ChatTemplate.load(d), StopTokens.of(model.config(), tok),
                    Math.min(model.config().vocabSize(), tok.vocabSize()), TestServer.config().withAddress("127.0.0.1", 0));
            String base = "http://127.0.0.1:" + server.port();
            String[] prompts = {"First question", "Another, longer question about things"};
            CompletableFuture<List<String>> client = CompletableFuture.supplyAsync(() -> {
                HttpClient http = HttpClient.newHttpClient();
                List<String> out = new ArrayList<>();
                try {
                    for (String p : prompts) {
                        out.add(text(http, base, OpenAiServerTest.chat(p, 6, "\"temperature\":0")));
                    }
                    List<CompletableFuture<String>> together = new ArrayList<>();
                    for (String p : prompts) {
                        together.add(CompletableFuture.supplyAsync(() -> {
                            try {
                                return text(http, base, OpenAiServerTest.chat(p, 6, "\"temperature\":0"));
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        }));
                    }
                    for (var f : together) {
                        out.add(f.get(120, TimeUnit.SECONDS));
                    }
                    String answer = out.get(0).substring(0, out.get(0).indexOf("|cached="));
                    out.add(text(http, base, "{\"messages\":[{\"role\":\"user\",\"content\":\"First question\"},{\"role\":\"assistant\","
                            + "\"content\":" + JSON.valueToTree(answer) + "},{\"role\":\"user\",\"content\":\"More?\"}],\"max_tokens\":3,"
                            + "\"temperature\":0}"));
                    return out;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                } finally {
                    server.requestStop(Duration.ofSeconds(5));
                }
            });
            server.runEngine(); // on this thread, which opened the GPU backend
            server.close();
            List<String> out = client.get(60, TimeUnit.SECONDS);
            for (int i = 0; i < prompts.length; i++) {
                assertTrue(out.get(i).endsWith("|cached=0"), out.get(i));
                assertEquals(out.get(i), out.get(prompts.length + i), variant + " request " + i + ": batched on the device = alone");
            }
            String resumed = out.get(2 * prompts.length);
            int cached = Integer.parseInt(resumed.substring(resumed.indexOf("|cached=") + 8));
            assertTrue(cached > 0, "the second turn resumed from the cached device state: " + resumed);
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes(), "device memory left after the server and model closed");
        assertTrue(FakeGpu.shared().failures().isEmpty(), FakeGpu.shared().failures().toString());
    }
}
