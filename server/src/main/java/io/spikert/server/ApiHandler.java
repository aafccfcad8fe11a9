package io.spikert.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP endpoints: {@code POST /v1/chat/completions}, {@code POST /v1/completions}, {@code GET /v1/models},
 * {@code GET /health} and {@code GET /metrics}. Runs each request on its own (virtual) thread and blocks there
 * while the engine generates; a streamed answer is written as server-sent events as the tokens come, and a
 * client that goes away mid-stream has its request cancelled at the next write. Every refusal is an OpenAI
 * error object with a status: 400 (the field named), 401, 404, 405, 413, 429 (with Retry-After), 503.
 */
final class ApiHandler extends Handler.Abstract {
    /** How long a stream may stay silent (a long prompt being read) before a comment line checks the client is there. */
    private static final long KEEPALIVE_SECONDS = 5;
    /** Most bytes of a refused body read and dropped before answering 413 (see {@link #drain}). */
    private static final long DRAIN_LIMIT = 64L << 20;

    private final ObjectMapper json;
    private final Engine engine;
    private final RequestParser parser;
    private final ServerConfig config;
    private final Metrics metrics;
    private final byte[] apiKey;
    private final long startedSeconds = System.currentTimeMillis() / 1000;

    ApiHandler(ObjectMapper json, Engine engine, RequestParser parser, ServerConfig config, Metrics metrics) {
        this.json = json;
        this.engine = engine;
        this.parser = parser;
        this.config = config;
        this.metrics = metrics;
        this.apiKey = config.apiKey() == null ? null : config.apiKey().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String endpoint = endpointName(path);
        int status;
        try {
            status = route(path, request, response, callback);
        } catch (ApiError e) {
            status = e.status();
            sendError(response, callback, e);
        } catch (RuntimeException e) {
            status = 500;
            sendError(response, callback, new ApiError(500, "server_error", null, null, "internal error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        }
        metrics.request(endpoint, status);
        return true;
    }

    private int route(String path, Request request, Response response, Callback callback) throws ApiError {
        String method = request.getMethod();
        if (path.equals("/health")) {
            requireMethod(method, "GET");
            sendJson(response, callback, 200, json.createObjectNode().put("status", "ok"));
            return 200;
        }
        authorize(request);
        switch (path) {
            case "/v1/chat/completions", "/v1/completions" -> {
                requireMethod(method, "POST");
                ParsedRequest parsed = parser.parse(body(request), path.equals("/v1/chat/completions"));
                Job job = engine.submit(parsed.generation());
                return parsed.stream() ? stream(parsed, job, response, callback) : whole(parsed, job, response, callback);
            }
            case "/v1/models" -> {
                requireMethod(method, "GET");
                ObjectNode root = json.createObjectNode().put("object", "list");
                root.putArray("data").addObject().put("id", config.modelId()).put("object", "model")
                        .put("created", startedSeconds).put("owned_by", "spikert");
                sendJson(response, callback, 200, root);
                return 200;
            }
            case "/metrics" -> {
                requireMethod(method, "GET");
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                Content.Sink.write(response, true, metrics.render(), callback);
                return 200;
            }
            default -> throw new ApiError(404, "invalid_request_error", null, "not_found", "no endpoint " + path
                    + " (this server has /v1/chat/completions, /v1/completions, /v1/models, /health, /metrics)");
        }
    }

    /** A request not streamed: waits for the whole output, then answers once. */
    private int whole(ParsedRequest parsed, Job job, Response response, Callback callback) throws ApiError {
        StringBuilder text = new StringBuilder();
        List<GenerationEvent.TokenLogprob> logprobs = new ArrayList<>();
        ResponseWriter writer = writer(parsed);
        try {
            while (true) {
                GenerationEvent e = job.next(1, TimeUnit.DAYS);
                if (e instanceof GenerationEvent.Delta d) {
                    text.append(d.text());
                    if (d.logprob() != null) {
                        logprobs.add(d.logprob());
                    }
                } else if (e instanceof GenerationEvent.Finished f) {
                    sendJson(response, callback, 200, writer.complete(text.toString(), logprobs, f));
                    return 200;
                } else if (e instanceof GenerationEvent.Failed f) {
                    throw f.error();
                }
            }
        } catch (InterruptedException e) {
            job.cancel();
            Thread.currentThread().interrupt();
            throw new ApiError(503, "server_error", null, "server_shutting_down", "the server is shutting down");
        }
    }

    /** A streamed request: server-sent events as the tokens come, then {@code data: [DONE]}. */
    private int stream(ParsedRequest parsed, Job job, Response response, Callback callback) {
        ResponseWriter writer = writer(parsed);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            ObjectNode role = writer.roleChunk();
            if (role != null) {
                send(out, writer.sse(role));
            }
            // with tools offered, text that may be the start of a <tool_call> is held until the reply shows what it is
            ToolCallStream tools = parsed.tools() ? new ToolCallStream() : null;
            while (true) {
                GenerationEvent e = job.next(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
                if (e == null) {
                    send(out, ": waiting\n\n".getBytes(StandardCharsets.US_ASCII)); // finds a client that has gone
                } else if (e instanceof GenerationEvent.Delta d) {
                    String piece = tools == null ? d.text() : tools.push(d.text());
                    if (!piece.isEmpty() || d.logprob() != null) {
                        send(out, writer.sse(writer.deltaChunk(piece, d.logprob())));
                    }
                } else if (e instanceof GenerationEvent.Finished f) {
                    String reason = f.reason();
                    if (tools != null) {
                        ToolCallStream.End end = tools.finish();
                        if (!end.toolCalls().isEmpty()) {
                            send(out, writer.sse(writer.toolCallsChunk(end.toolCalls())));
                            reason = "tool_calls";
                        } else if (!end.heldContent().isEmpty()) {
                            send(out, writer.sse(writer.deltaChunk(end.heldContent(), null)));
                        }
                    }
                    send(out, writer.sse(writer.finishChunk(reason)));
                    if (parsed.includeUsage()) {
                        send(out, writer.sse(writer.usageChunk(f)));
                    }
                    send(out, ResponseWriter.done());
                    break;
                } else if (e instanceof GenerationEvent.Failed f) {
                    send(out, writer.sse(ResponseWriter.error(json, f.error())));
                    send(out, ResponseWriter.done());
                    break;
                }
            }
        } catch (IOException e) {
            job.cancel(); // the client went away: free its place before the next step
            callback.failed(e);
            return 499;
        } catch (InterruptedException e) {
            job.cancel();
            Thread.currentThread().interrupt();
            callback.failed(e);
            return 503;
        }
        callback.succeeded();
        return 200;
    }

    private static void send(OutputStream out, byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    private ResponseWriter writer(ParsedRequest parsed) {
        String id = (parsed.chat() ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        return new ResponseWriter(json, parsed, id, config.modelId());
    }

    private void authorize(Request request) throws ApiError {
        if (apiKey == null) {
            return;
        }
        String h = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        byte[] given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)
                ? h.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, apiKey)) { // constant time in the key's contents
            throw new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                    h == null ? "this server requires an API key: send Authorization: Bearer <key>" : "the API key is not valid");
        }
    }

    private byte[] body(Request request) throws ApiError {
        long max = config.maxBodyBytes();
        long length = request.getLength();
        try (InputStream in = Content.Source.asInputStream(request)) {
            if (length > max) {
                drain(in, length);
                throw new ApiError(413, "invalid_request_error", null, "request_too_large",
                        "the request body is " + length + " bytes; this server takes at most " + max);
            }
            byte[] body = in.readNBytes((int) max + 1);
            if (body.length > max) {
                drain(in, Long.MAX_VALUE);
                throw new ApiError(413, "invalid_request_error", null, "request_too_large",
                        "the request body is larger than " + max + " bytes, the most this server takes");
            }
            return body;
        } catch (IOException e) {
            throw ApiError.invalid(null, "the request body could not be read: " + e.getMessage());
        }
    }

    /**
     * Reads and drops the rest of a refused body, up to {@value #DRAIN_LIMIT} bytes, so the client (still sending)
     * reads the 413 instead of a reset connection; a larger body is left and the connection closed.
     */
    private static void drain(InputStream in, long length) throws IOException {
        if (length > DRAIN_LIMIT) {
            return;
        }
        long left = DRAIN_LIMIT;
        byte[] sink = new byte[64 * 1024];
        for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) {
            left -= n;
        }
    }

    private static void requireMethod(String method, String allowed) throws ApiError {
        if (!method.equals(allowed)) {
            throw new ApiError(405, "invalid_request_error", null, "method_not_allowed", method + " is not allowed here; use " + allowed);
        }
    }

    private void sendJson(Response response, Callback callback, int status, ObjectNode body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Content.Sink.write(response, true, body.toString(), callback);
    }

    private void sendError(Response response, Callback callback, ApiError e) {
        if (e.status() == 429) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        }
        if (e.status() == 401) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
        }
        if (e.status() == 405) {
            response.getHeaders().put(HttpHeader.ALLOW, e.getMessage().endsWith("POST") ? "POST" : "GET");
        }
        sendJson(response, callback, e.status(), ResponseWriter.error(json, e));
    }

    private static String endpointName(String path) {
        return switch (path) {
            case "/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/metrics" -> path;
            default -> "other";
        };
    }
}
