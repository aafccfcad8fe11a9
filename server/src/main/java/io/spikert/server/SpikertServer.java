package io.spikert.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.SpikingBrainModel;
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

    private SpikertServer(Engine engine, Server jetty, ServerConnector connector, Metrics metrics) {
        this.engine = engine;
        this.jetty = jetty;
        this.connector = connector;
        this.metrics = metrics;
    }

    /**
     * Starts serving {@code model}; the model stays the caller's (close it after the server).
     *
     * @param tokenizer   null when the folder has none (then only token-id prompts)
     * @param stopTokens  ids that end a request
     * @param sampleVocab ids at or above this are never sampled
     */
    public static SpikertServer start(SpikingBrainModel model, Tokenizer tokenizer, Set<Integer> stopTokens, int sampleVocab,
                                      ServerConfig config) throws Exception {
        // Jetty logs through SLF4J's simple provider: warnings and errors only, unless the user configured it
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Metrics metrics = new Metrics();
        ObjectMapper json = new ObjectMapper();
        Engine engine = new Engine(model, tokenizer, stopTokens, sampleVocab, config, metrics);
        try {
            QueuedThreadPool threads = new QueuedThreadPool();
            threads.setName("spikert-http");
            threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
            Server jetty = new Server(threads);
            ServerConnector connector = new ServerConnector(jetty);
            connector.setHost(config.host());
            connector.setPort(config.port());
            jetty.addConnector(connector);
            jetty.setHandler(new ApiHandler(json, engine, new RequestParser(json, tokenizer, config, model.config().vocabSize()),
                    config, metrics));
            jetty.setStopTimeout(config.shutdownGrace().toMillis() + 1000);
            jetty.start();
            return new SpikertServer(engine, jetty, connector, metrics);
        } catch (Exception e) {
            engine.shutdown(java.time.Duration.ZERO);
            throw e;
        }
    }

    /** The port bound (the one chosen when the configuration asked for 0). */
    public int port() {
        return connector.getLocalPort();
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Stops taking requests, lets the running ones finish within the grace period, then stops Jetty. */
    @Override
    public void close() throws Exception {
        try {
            engine.close();
        } finally {
            jetty.stop();
        }
    }
}
