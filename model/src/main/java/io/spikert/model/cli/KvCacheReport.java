package io.spikert.model.cli;

import io.spikert.model.Architecture;
import io.spikert.model.ModelConfig;
import io.spikert.runtime.backend.KvPrecision;

/** The memory of a model's softmax-attention key/value cache: per token, and at most per sequence. */
final class KvCacheReport {
    private KvCacheReport() {}

    /** Bytes one token adds to the caches of all softmax-attention layers (keys and values). */
    static long bytesPerToken(ModelConfig c, KvPrecision precision) {
        return 2L * precision.bytes() * c.kvDim() * c.swaLayerCount();
    }

    /** Positions a cache holds at most: a Qwen2 model's context limit, SpikingBrain's window W + 1. */
    static long positions(ModelConfig c) {
        return c.slidingWindow() + 1L;
    }

    /** One line for {@code --verbose}. */
    static String line(ModelConfig c, KvPrecision precision) {
        String reach = c.architecture() == Architecture.QWEN2 ? "the context limit of " + positions(c) + " tokens"
                : "the window of " + positions(c) + " tokens";
        return String.format("key/value cache: %s, %s per token in %d attention layers, at most %s per sequence (%s)",
                precision.label(), MemoryReport.human(bytesPerToken(c, precision)), c.swaLayerCount(),
                MemoryReport.human(bytesPerToken(c, precision) * positions(c)), reach);
    }
}
