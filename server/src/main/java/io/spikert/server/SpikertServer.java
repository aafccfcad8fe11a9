package io.spikert.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.chat.ChatTemplate;
import io.spikert.model.tokenizer.Tokenizer;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.util.Set;
import java.util.concurrent.Executors;

/**
 * {@code spikert serve}: Jetty on the configured address (loopback by default) in front of one {@link Engine}.
 * Connections are Jetty's; each request runs on a virtual thread and waits on the engine, whose single thread
 * runs the model on SpikeRT's own compute pool. {@link #close} stops taking requests, lets the running ones
 * finish within the grace period, then stops Jetty.
 */
public final class SpikertServer implements AutoCloseable {
    private final Engine engine;
    private final Server jetty;
    private final ServerConnector connector;
    private final Metrics metrics;
    private final Thread engineThread; // null when the caller runs the engine (runEngine)

    private SpikertServer(Engine engine, Server jetty, ServerConnector connector, Metrics metrics, Thread engineThread) {
        this.engine = engine;
        this.jetty = jetty;
        this.connector = connector;
        this.metrics = metrics;
        this.engineThread = engineThread;
    }

    /**
     * Starts serving {@code model} with the engine on a thread of its own (any backend that may be used from
     * another thread: the CPU's); the model stays the caller's (close it after the server).
     *
     * @param tokenizer   null when the folder has none (then only token-id prompts)
     * @param template    the model's chat template ({@link ChatTemplate#load})
     * @param stopTokens  ids that end a request
     * @param sampleVocab ids at or above this are never sampled
     */
    public static SpikertServer start(SpikingBrainModel model, Tokenizer tokenizer, ChatTemplate template, Set<Integer> stopTokens, int sampleVocab,
                                      ServerConfig config) throws Exception {
        return open(model, tokenizer, template, stopTokens, sampleVocab, config, true);
    }

    /**
     * Starts Jetty with the engine not yet running: the caller runs it with {@link #runEngine} on the thread that
     * opened the model's backend (a GPU's context is current there only).
     */
    public static SpikertServer openForCaller(SpikingBrainModel model, Tokenizer tokenizer, ChatTemplate template, Set<Integer> stopTokens,
                                              int sampleVocab, ServerConfig config) throws Exception {
        return open(model, tokenizer, template, stopTokens, sampleVocab, config, false);
    }

    private static SpikertServer open(SpikingBrainModel model, Tokenizer tokenizer, ChatTemplate template, Set<Integer> stopTokens, int sampleVocab,
                                      ServerConfig config, boolean ownThread) throws Exception {
        // Jetty logs through SLF4J's simple provider: warnings and errors only, unless the user configured it
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Metrics metrics = new Metrics();
        ObjectMapper json = new ObjectMapper();
        Engine engine = new Engine(model, tokenizer, stopTokens, sampleVocab, config, metrics);
        metrics.cache = engine::cacheStats;
        Thread engineThread = null;
        if (ownThread) {
            engineThread = Thread.ofPlatform().name("spikert-engine").start(engine::run);
        }
        try {
            QueuedThreadPool threads = new QueuedThreadPool();
            threads.setName("spikert-http");
            threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
            Server jetty = new Server(threads);
            ServerConnector connector = new ServerConnector(jetty);
            connector.setHost(config.host());
            connector.setPort(config.port());
            jetty.addConnector(connector);
            jetty.setHandler(new ApiHandler(json, engine, new RequestParser(json, tokenizer, template, config, model.config().vocabSize()),
                    config, metrics));
            jetty.setStopTimeout(1000);
            jetty.start();
            return new SpikertServer(engine, jetty, connector, metrics, engineThread);
        } catch (Exception e) {
            engine.shutdown(java.time.Duration.ZERO);
            if (engineThread != null) {
                engineThread.join();
            }
            throw e;
        }
    }

    /** Runs the engine on the calling thread until {@link #requestStop} (servers opened with {@link #openForCaller}). */
    public void runEngine() {
        if (engineThread != null) {
            throw new IllegalStateException("this server's engine runs on its own thread");
        }
        engine.run();
    }

    /** Starts the shutdown: no new requests, the running ones get the grace period. Returns at once. */
    public void requestStop(java.time.Duration grace) {
        engine.shutdown(grace);
    }

    /** The port bound (the one chosen when the configuration asked for 0). */
    public int port() {
        return connector.getLocalPort();
    }

    public Metrics metrics() {
        return metrics;
    }

    /**
     * Stops taking requests, lets the running ones finish within the grace period (then ends them with an error
     * event) and waits for the engine to stop, then stops Jetty, which waits up to a second more for the
     * connections to drain and then closes them (a client that stopped reading cannot hold the shutdown). With the
     * engine on the caller's thread, call it after {@link #runEngine} has returned.
     */
    @Override
    public void close() throws Exception {
        try {
            if (engineThread != null) {
                engine.close();
            }
        } finally {
            try {
                jetty.stop();
            } catch (java.util.concurrent.TimeoutException e) {
                // Jetty stopped anyway; some connection was still writing to a client that had stopped reading
            }
        }
    }
}
