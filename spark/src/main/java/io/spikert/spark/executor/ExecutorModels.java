package io.spikert.spark.executor;

import io.spikert.model.SpikingBrainModel;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.backend.CpuBackend;

import org.apache.spark.SparkEnv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models of this JVM (an executor's, or the driver's in local mode): one {@link ExecutorModel} per
 * {@link ModelSpec}, loaded by the first task that asks and shared by every later one. Loading is lazy and happens
 * once per spec: tasks asking for a spec being loaded wait for it; a load that fails is not remembered, so the
 * next task (a retry) tries again. The models stay until the JVM exits (their weights are a memory mapping of the
 * files, so the pages are the operating system's to keep or drop) or {@link #closeAll}.
 */
public final class ExecutorModels {
    private static final ConcurrentHashMap<ModelSpec, Slot> SLOTS = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    /**
     * The model of {@code spec} with its compute threads resolved ({@link ComputeThreads}), loading it on first use.
     *
     * @throws ModelPathException when the folder is missing or unreadable here, naming the path and this executor
     */
    public static ExecutorModel get(ModelSpec spec) {
        ModelSpec resolved = spec.withComputeThreads(ComputeThreads.resolve(spec.computeThreads()));
        return SLOTS.computeIfAbsent(resolved, Slot::new).get();
    }

    /** How many models this JVM holds now. */
    public static int loadedCount() {
        int n = 0;
        for (Slot s : SLOTS.values()) {
            n += s.loaded() ? 1 : 0;
        }
        return n;
    }

    /** Closes every model of this JVM (for tests and a driver that is done); later calls load again. */
    public static synchronized void closeAll() {
        List<Slot> slots = new ArrayList<>(SLOTS.values());
        SLOTS.clear();
        for (Slot s : slots) {
            s.close();
        }
    }

    /** Checks the folder before loading, so a missing mount fails with the path, not deep in the loader. */
    static Path requireModelFolder(String path) {
        Path dir;
        try {
            dir = Path.of(path);
        } catch (InvalidPathException e) {
            throw new ModelPathException("SpikeRT model path '" + path + "' is not a valid path on " + where() + ": " + e.getMessage(), e);
        }
        if (!Files.exists(dir)) {
            throw new ModelPathException("SpikeRT model path " + dir.toAbsolutePath() + " does not exist on " + where()
                    + " (every executor reads the model from this path: copy it there or use a shared mount)");
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelPathException("SpikeRT model path " + dir.toAbsolutePath() + " on " + where() + " is not a folder");
        }
        Path config = dir.resolve("config.json");
        if (!Files.isReadable(config)) {
            throw new ModelPathException("SpikeRT model path " + dir.toAbsolutePath() + " on " + where()
                    + " has no readable config.json");
        }
        return dir;
    }

    /** This JVM, for messages: the executor id and host under Spark, else "this JVM". */
    static String where() {
        SparkEnv env = SparkEnv.get();
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "an unknown host";
        }
        return env == null ? "host " + host : "executor " + env.executorId() + " (host " + host + ")";
    }

    private static ExecutorModel load(ModelSpec spec) {
        Path dir = requireModelFolder(spec.path());
        CpuBackend backend = new CpuBackend(spec.computeThreads());
        try {
            var observer = spec.observeSpikes() ? new ExecutorModel.ThreadLocalSpikes() : null;
            var options = spec.loadOptions();
            if (observer != null) {
                options = options.withSpikeObserver(observer);
            }
            SpikingBrainModel model = SpikingBrainModel.load(dir, backend, options);
            try {
                Tokenizer tokenizer = Tokenizer.isPresent(dir) ? Tokenizer.load(dir) : null;
                return new ExecutorModel(dir, model, backend, tokenizer, observer);
            } catch (IOException | RuntimeException e) {
                model.close();
                throw e;
            }
        } catch (IOException e) {
            backend.close();
            throw new ModelPathException("SpikeRT model path " + dir.toAbsolutePath() + " on " + where() + ": cannot load: "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** One spec's model, loaded at most once at a time. */
    private static final class Slot {
        private final ModelSpec spec;
        private volatile ExecutorModel model;
        private boolean closed;

        Slot(ModelSpec spec) {
            this.spec = spec;
        }

        ExecutorModel get() {
            ExecutorModel m = model;
            if (m != null) {
                return m;
            }
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the SpikeRT models of this JVM were closed");
                }
                if (model == null) {
                    model = load(spec);
                }
                return model;
            }
        }

        boolean loaded() {
            return model != null;
        }

        synchronized void close() {
            closed = true;
            if (model != null) {
                model.close();
                model = null;
            }
        }
    }
}
