package io.spikert.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.bench.harness.ProcessMemory;
import io.spikert.model.LoadOptions;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.generate.StopTokens;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.Precision;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.server.ServerConfig;
import io.spikert.server.SpikertServer;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The serving load harness: {@code spikert serve}'s server, in this process on 127.0.0.1, driven by N concurrent
 * streaming clients over HTTP (one request each, a random token-id prompt, greedy, {@code ignore_eos} so each
 * generates exactly max_tokens, {@code logprobs: 0} so every token arrives as its own event). For each N it
 * reports aggregate output tokens/s over the run (prefills included), aggregate decode tokens/s (each stream's rate
 * after its first token, summed), time to first token p50/p99, inter-token latency p50/p99 and the growth of the
 * process's anonymous memory. With
 * {@code --long-prompt L}, a last run of {@code --long-clients} streams gets an L-token prompt injected once every
 * stream has its first tokens, and reports the running streams' inter-token latency before and while it is read.
 * Bounded: every request has a timeout and the run ends when the last stream does.
 *
 * With {@code --chat-turns T} (a folder with a tokenizer), one client holds a T-turn chat through
 * /v1/chat/completions, resending the whole conversation each turn as OpenAI clients do, and the time to first
 * token of each turn is reported with the prompt tokens the server resumed from its state cache.
 *
 * <pre>ServeLoad --model DIR [--clients 1,2,4,8,16] [--prompt-tokens 64] [--max-tokens 32] [--threads N]
 *          [--max-batch 16] [--step-tokens 256] [--precision fp32|bf16] [--long-prompt L [--long-clients 8]
 *          [--long-max-tokens N]] [--chat-turns T] [--state-cache-mb MB]</pre>
 */
public final class ServeLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeLoad() {}

    /** The largest anonymous (heap and native) memory seen while a run lasts, sampled every 100 ms. */
    private static final class PeakAnon {
        private volatile boolean running = true;
        private volatile long peak;
        private Thread sampler;

        static PeakAnon start() {
            PeakAnon p = new PeakAnon();
            p.peak = ProcessMemory.now().anonBytes();
            p.sampler = Thread.ofVirtual().start(() -> {
                while (p.running) {
                    p.peak = Math.max(p.peak, ProcessMemory.now().anonBytes());
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            return p;
        }

        long stop() throws InterruptedException {
            running = false;
            sampler.join();
            return Math.max(peak, ProcessMemory.now().anonBytes());
        }
    }

    private static long stateBytes(SpikingBrainModel m) {
        try (var s = m.newSession()) {
            return s.stateBytes();
        }
    }

    /** One stream's timings (nanoseconds, from its request's start). */
    record StreamTimes(long start, long firstToken, long[] tokenTimes, int completionTokens) {
    }

    public static void main(String[] args) throws Exception {
        Path model = null;
        int[] clients = {1, 2, 4, 8, 16};
        int promptTokens = 64;
        int maxTokens = 32;
        int threads = Runtime.getRuntime().availableProcessors();
        int maxBatch = 16;
        int stepTokens = 256;
        int longPrompt = 0;
        int longClients = 8;
        int longMaxTokens = 0;
        int chatTurns = 0;
        long cacheMb = 1024;
        Precision precision = Precision.FP32;
        for (int i = 0; i < args.length; i += 2) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--model" -> model = Path.of(v);
                case "--clients" -> clients = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--prompt-tokens" -> promptTokens = Integer.parseInt(v);
                case "--max-tokens" -> maxTokens = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--max-batch" -> maxBatch = Integer.parseInt(v);
                case "--step-tokens" -> stepTokens = Integer.parseInt(v);
                case "--long-prompt" -> longPrompt = Integer.parseInt(v);
                case "--long-clients" -> longClients = Integer.parseInt(v);
                case "--long-max-tokens" -> longMaxTokens = Integer.parseInt(v);
                case "--precision" -> precision = Precision.parse(v, "--precision");
                case "--chat-turns" -> chatTurns = Integer.parseInt(v);
                case "--state-cache-mb" -> cacheMb = Long.parseLong(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("--model DIR is required");
        }
        Tuning tuning = Tuning.fromSystemProperties();
        try (CpuBackend backend = new CpuBackend(threads, tuning);
             SpikingBrainModel m = SpikingBrainModel.load(model, backend, LoadOptions.defaults().withInt8BlockRows(tuning.maxBlockRows()))) {
            backend.precision(precision);
            Tokenizer tok = Tokenizer.isPresent(model) ? Tokenizer.load(model) : null;
            int vocab = m.config().vocabSize();
            int sampleVocab = tok == null ? vocab : Math.min(vocab, tok.vocabSize());
            ServerConfig config = ServerConfig.defaults("bench").withAddress("127.0.0.1", 0)
                    .withLimits(maxBatch, stepTokens, 64, Math.max(32768, longPrompt), Math.max(8192, maxTokens))
                    .withStateCacheBytes(chatTurns > 0 ? cacheMb << 20 : 0);
            System.out.printf("machine: %d cores, %d compute threads, JVM %s; model %s (%s), %s%n",
                    Runtime.getRuntime().availableProcessors(), threads, Runtime.version(), model, m.variant(), backend.name());
            System.out.printf("server: 127.0.0.1, %d requests at once, %d tokens a step, %s prefill; each client: %d-token prompt,"
                    + " %d tokens (greedy, ignore_eos)%n", maxBatch, stepTokens, precision, promptTokens, maxTokens);

            try (SpikertServer server = SpikertServer.start(m, tok, io.spikert.model.chat.ChatTemplate.load(model), tok == null ? java.util.Set.of() : StopTokens.of(m.config(), tok),
                    sampleVocab, config)) {
                String url = "http://127.0.0.1:" + server.port() + "/v1/completions";
                HttpClient http = HttpClient.newHttpClient();
                long anon0 = ProcessMemory.now().anonBytes(); // before any request: the growth below is the requests'
                System.out.printf("anonymous memory with the server started, before any request: %.2f GB; one session's state: %.1f MB%n",
                        anon0 / 1e9, stateBytes(m) / 1e6);
                for (int warm = 0; warm < 3; warm++) { // JIT warm-up of the batched and single paths
                    run(http, url, 1 + warm, promptTokens, Math.min(16, maxTokens), sampleVocab);
                }
                System.out.printf("%-8s %10s %10s %10s %10s %10s %10s %9s %9s%n", "clients", "tokens/s", "decode/s", "TTFT p50", "TTFT p99",
                        "ITL p50", "ITL p99", "seconds", "anon +GB");
                System.out.println("(anon +GB: the largest growth of anonymous memory since before the first request, sampled every 100 ms)");
                double single = 0;
                for (int n : clients) {
                    long t0 = System.nanoTime();
                    PeakAnon peak = PeakAnon.start();
                    List<StreamTimes> streams = run(http, url, n, promptTokens, maxTokens, sampleVocab);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    double grown = (peak.stop() - anon0) / 1e9;
                    int tokens = streams.stream().mapToInt(StreamTimes::completionTokens).sum();
                    double rate = tokens / seconds;
                    // decode throughput: the streams' own rates after their first token, summed
                    double decode = streams.stream().mapToDouble(ServeLoad::decodeRate).sum();
                    if (n == 1) {
                        single = decode;
                    }
                    double[] ttft = streams.stream().mapToDouble(s -> (s.firstToken() - s.start()) / 1e9).toArray();
                    double[] itl = interTokenSeconds(streams, Long.MIN_VALUE, Long.MAX_VALUE);
                    System.out.printf("%-8d %10.2f %10.2f %9.3fs %9.3fs %9.3fs %9.3fs %9.1f %9.2f%s%n", n, rate, decode, pct(ttft, 50),
                            pct(ttft, 99), pct(itl, 50), pct(itl, 99), seconds, grown,
                            single > 0 && n > 1 ? String.format("   decode %.2fx the single stream's", decode / single) : "");
                }
                if (chatTurns > 0) {
                    chat(http, "http://127.0.0.1:" + server.port() + "/v1/chat/completions", chatTurns, maxTokens);
                }
                if (longPrompt > 0) {
                    long[] window = new long[2];
                    List<StreamTimes> streams = run(http, url, longClients, promptTokens, longMaxTokens > 0 ? longMaxTokens : maxTokens,
                            sampleVocab, longPrompt, window);
                    double[] before = interTokenSeconds(streams, Long.MIN_VALUE, window[0]);
                    double[] during = interTokenSeconds(streams, window[0], window[1]);
                    double[] all = interTokenSeconds(streams, Long.MIN_VALUE, Long.MAX_VALUE);
                    System.out.printf("long prompt: %d tokens arriving while %d streams run; their inter-token latency: before p50 %.3fs"
                            + " p99 %.3fs; while it is read (%.1f s) p50 %.3fs p99 %.3fs; whole run p50 %.3fs p99 %.3fs (p99/p50 %.2f)%n",
                            longPrompt, longClients, pct(before, 50), pct(before, 99), (window[1] - window[0]) / 1e9, pct(during, 50),
                            pct(during, 99), pct(all, 50), pct(all, 99), pct(all, 99) / pct(all, 50));
                }
            }
        }
    }

    /**
     * One client's chat of {@code turns} turns, each resending the conversation so far (user questions and the
     * replies received) and streaming the reply; prints each turn's prompt tokens, cached tokens and TTFT.
     */
    private static void chat(HttpClient http, String url, int turns, int maxTokens) throws Exception {
        var messages = JSON.createArrayNode();
        messages.addObject().put("role", "system").put("content", "You are a helpful assistant.");
        double first = 0;
        System.out.printf("chat of %d turns, the whole conversation resent each turn (%d tokens a reply):%n", turns, maxTokens);
        System.out.printf("%-6s %14s %14s %10s%n", "turn", "prompt tokens", "cached tokens", "TTFT");
        for (int t = 1; t <= turns; t++) {
            messages.addObject().put("role", "user").put("content", "Question number " + t + ": tell me more about spiking neurons and"
                    + " why their state stays the same size however long the conversation grows.");
            var body = JSON.createObjectNode();
            body.set("messages", messages);
            // logprobs: every token arrives as its own event, even one whose text is not complete yet
            body.put("max_tokens", maxTokens).put("temperature", 0).put("ignore_eos", true).put("logprobs", true).put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(1800))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
            long start = System.nanoTime();
            HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("turn " + t + ": HTTP " + r.statusCode() + ": "
                        + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
            }
            long firstToken = 0;
            StringBuilder reply = new StringBuilder();
            JsonNode usage = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                        continue;
                    }
                    JsonNode c = JSON.readTree(line.substring(6));
                    if (c.has("error")) {
                        throw new IllegalStateException("turn " + t + " failed: " + c);
                    }
                    for (JsonNode ch : c.path("choices")) {
                        String piece = ch.path("delta").path("content").asText("");
                        if (firstToken == 0 && ch.path("logprobs").isObject()) {
                            firstToken = System.nanoTime();
                        }
                        reply.append(piece);
                    }
                    if (c.path("usage").isObject()) {
                        usage = c.path("usage");
                    }
                }
            }
            double ttft = ((firstToken == 0 ? System.nanoTime() : firstToken) - start) / 1e9;
            if (t == 1) {
                first = ttft;
            }
            System.out.printf("%-6d %14d %14d %9.3fs%s%n", t, usage.path("prompt_tokens").asInt(),
                    usage.path("prompt_tokens_details").path("cached_tokens").asInt(), ttft,
                    t > 1 ? String.format("   %.2fx the first turn's", ttft / first) : "");
            messages.addObject().put("role", "assistant").put("content", reply.toString());
        }
    }

    private static List<StreamTimes> run(HttpClient http, String url, int n, int promptTokens, int maxTokens, int vocab)
            throws Exception {
        return run(http, url, n, promptTokens, maxTokens, vocab, 0, new long[2]);
    }

    /**
     * n streams at once; with longPrompt > 0, one more request with that many prompt tokens once every stream has
     * two tokens, and window = [its start, its first token] in System.nanoTime.
     */
    private static List<StreamTimes> run(HttpClient http, String url, int n, int promptTokens, int maxTokens, int vocab,
                                         int longPrompt, long[] window) throws Exception {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(n);
            List<Future<StreamTimes>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int seed = i;
                futures.add(pool.submit(() -> stream(http, url, randomIds(promptTokens, vocab, seed), maxTokens, started)));
            }
            if (longPrompt > 0) {
                if (!started.await(600, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the streams did not start within 600 s");
                }
                window[0] = System.nanoTime();
                StreamTimes longOne = stream(http, url, randomIds(longPrompt, vocab, 99), 1, null);
                window[1] = longOne.firstToken();
            }
            List<StreamTimes> out = new ArrayList<>();
            for (Future<StreamTimes> f : futures) {
                out.add(f.get(1800, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** One streaming request; counts {@code started} down at its second token. */
    private static StreamTimes stream(HttpClient http, String url, int[] prompt, int maxTokens,
                                      java.util.concurrent.CountDownLatch started) throws Exception {
        String body = "{\"prompt\":" + JSON.writeValueAsString(prompt) + ",\"max_tokens\":" + maxTokens
                + ",\"temperature\":0,\"ignore_eos\":true,\"logprobs\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(1800))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long start = System.nanoTime();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode() + ": " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        List<Long> times = new ArrayList<>();
        int completion = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                JsonNode c = JSON.readTree(line.substring(6));
                if (c.has("error")) {
                    throw new IllegalStateException("stream failed: " + c);
                }
                JsonNode choices = c.path("choices");
                if (choices.size() > 0 && choices.get(0).path("logprobs").isObject()) {
                    times.add(System.nanoTime());
                    if (started != null && times.size() == 2) {
                        started.countDown();
                    }
                }
                if (c.path("usage").isObject()) {
                    completion = c.path("usage").path("completion_tokens").asInt();
                }
            }
        }
        long[] t = times.stream().mapToLong(Long::longValue).toArray();
        return new StreamTimes(start, t.length > 0 ? t[0] : System.nanoTime(), t, completion);
    }

    /** A stream's tokens after its first, per second from its first token to its last. */
    private static double decodeRate(StreamTimes s) {
        long[] t = s.tokenTimes();
        return t.length < 2 ? 0 : (t.length - 1) * 1e9 / (t[t.length - 1] - t[0]);
    }

    /** Gaps between consecutive tokens of each stream whose later token falls in [from, to). */
    private static double[] interTokenSeconds(List<StreamTimes> streams, long from, long to) {
        List<Double> gaps = new ArrayList<>();
        for (StreamTimes s : streams) {
            for (int i = 1; i < s.tokenTimes().length; i++) {
                long t = s.tokenTimes()[i];
                if (t >= from && t < to) {
                    gaps.add((t - s.tokenTimes()[i - 1]) / 1e9);
                }
            }
        }
        return gaps.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double pct(double[] v, double p) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100 * s.length) - 1)];
    }

    private static int[] randomIds(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }
}
