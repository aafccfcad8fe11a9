package io.spikert.spark.executor;

import io.spikert.model.SpikingBrainModel;
import io.spikert.model.generate.StopTokens;
import io.spikert.model.layers.SpikeObserver;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.SpikeKernel;

import java.nio.file.Path;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One loaded model of an executor JVM, shared by all its tasks: the immutable weights (memory-mapped), the CPU
 * backend they are bound to, and the tokenizer when the folder has one. Tasks open their own sessions on it
 * ({@link SpikingBrainModel#newSession()}); nothing here changes after loading, except the per-thread spike target.
 */
public final class ExecutorModel implements AutoCloseable {
    private final Path path;
    private final SpikingBrainModel model;
    private final CpuBackend backend;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopTokens;
    private final ThreadLocalSpikes spikes;

    ExecutorModel(Path path, SpikingBrainModel model, CpuBackend backend, Tokenizer tokenizer, ThreadLocalSpikes spikes) {
        this.path = path;
        this.model = model;
        this.backend = backend;
        this.tokenizer = tokenizer;
        this.stopTokens = StopTokens.of(model.config(), tokenizer);
        this.spikes = spikes;
    }

    /** A model over weights already loaded (the single-JVM library use, and tests); closing it closes them. */
    public static ExecutorModel of(Path path, SpikingBrainModel model, CpuBackend backend, Tokenizer tokenizer) {
        return new ExecutorModel(path, model, backend, tokenizer, null);
    }

    public Path path() {
        return path;
    }

    public SpikingBrainModel model() {
        return model;
    }

    /** The folder's tokenizer, or null when it has none (then only token-id columns can be run). */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The ids that end a generation: the config's EOS ids and the tokenizer's end tokens. */
    public Set<Integer> stopTokens() {
        return stopTokens;
    }

    /** Ids generation may choose: all of them, or those the tokenizer can decode when it has one. */
    public int sampleVocab() {
        int vocab = model.config().vocabSize();
        return tokenizer == null ? vocab : Math.min(vocab, tokenizer.vocabSize());
    }

    public int computeThreads() {
        return backend.pool().threads();
    }

    /**
     * Runs {@code work} with the spike counts of the calling thread's forward passes reported to {@code observer}
     * (the backend reports them on the thread that runs the pass). Needs a model loaded with
     * {@link ModelSpec#observeSpikes()}.
     */
    public <T> T withSpikeObserver(SpikeObserver observer, Supplier<T> work) {
        if (spikes == null) {
            throw new IllegalStateException("the model at " + path + " was loaded without a spike observer (ModelSpec.observeSpikes)");
        }
        return spikes.with(observer, work);
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            backend.close();
        }
    }

    /** The observer a spike-observing model is loaded with: forwards to the observer the calling thread set, if any. */
    static final class ThreadLocalSpikes implements SpikeObserver {
        private final ThreadLocal<SpikeObserver> current = new ThreadLocal<>();

        @Override
        public void onSpikes(String name, int[] counts, int off, int n, float vth, SpikeKernel kernel) {
            SpikeObserver o = current.get();
            if (o != null) {
                o.onSpikes(name, counts, off, n, vth, kernel);
            }
        }

        <T> T with(SpikeObserver observer, Supplier<T> work) {
            SpikeObserver before = current.get();
            current.set(observer);
            try {
                return work.get();
            } finally {
                if (before == null) {
                    current.remove();
                } else {
                    current.set(before);
                }
            }
        }
    }
}
