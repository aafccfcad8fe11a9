package io.spikert.model.layers;

/** The recurrent memory one attention layer keeps between tokens of a sequence. */
public sealed interface LayerState permits GlaState, KvRing {
    /** Bytes held, for memory reports. */
    long bytes();
}
