package io.spikert.spark;

import io.spikert.model.LoadOptions;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.generate.Generator;
import io.spikert.model.generate.Sampler;
import io.spikert.model.generate.SamplingParams;
import io.spikert.model.generate.StopTokens;
import io.spikert.model.layers.SpikeObserver;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.backend.CpuBackend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The single-JVM library use the Spark results are compared with: the model loaded by the test itself on a one-thread
 * CPU backend, scored and generated through the model API directly (no SpikeRT-on-Spark class involved).
 */
final class LibraryModel implements AutoCloseable {
    final SpikingBrainModel model;
    final Tokenizer tokenizer;
    final Set<Integer> stopTokens;
    final int sampleVocab;
    private final CpuBackend backend;
    private static LibraryModel base;

    /**
     * The base test model ({@link TestModels#base()}), loaded once for the test JVM and shared by the test classes (one
     * at a time, as surefire runs them), as {@link TestSpark#session()} is; it stays open until the JVM exits.
     */
    static synchronized LibraryModel base() {
        if (base == null) {
            try {
                base = new LibraryModel(TestModels.base());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return base;
    }

    LibraryModel(Path dir) throws IOException {
        this(dir, SpikeObserver.NONE);
    }

    LibraryModel(Path dir, SpikeObserver observer) throws IOException {
        backend = new CpuBackend(1);
        model = SpikingBrainModel.load(dir, backend, LoadOptions.defaults().withSpikeObserver(observer));
        tokenizer = Tokenizer.load(dir);
        stopTokens = StopTokens.of(model.config(), tokenizer);
        sampleVocab = Math.min(model.config().vocabSize(), tokenizer.vocabSize());
    }

    /** {mean log-likelihood, perplexity} as spikert score computes them. */
    double[] score(int[] ids) {
        int vocab = model.config().vocabSize();
        double[] sum = {0};
        Session s = model.newSession();
        s.prefill(ids, (index, logits, off) -> {
            if (index + 1 < ids.length) {
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < vocab; i++) {
                    max = Math.max(max, logits[off + i]);
                }
                double e = 0;
                for (int i = 0; i < vocab; i++) {
                    e += Math.exp(logits[off + i] - max);
                }
                sum[0] += logits[off + ids[index + 1]] - max - Math.log(e);
            }
        });
        double mean = sum[0] / (ids.length - 1);
        return new double[] {mean, Math.exp(-mean)};
    }

    /** Generator over a session of its own, as spikert generate runs it. */
    Generator.Result generate(int[] prompt, int maxTokens, SamplingParams params) {
        return new Generator(stopTokens, sampleVocab).generate(model.newSession(), prompt, maxTokens, new Sampler(params), id -> { });
    }

    /** The text spikert generate prints for {@code ids}: every id but the stop tokens, decoded as a stream. */
    String text(int[] ids) {
        var d = tokenizer.streamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (!stopTokens.contains(id)) {
                sb.append(d.push(id));
            }
        }
        return sb.append(d.flush()).toString();
    }

    @Override
    public void close() {
        model.close();
        backend.close();
    }
}
