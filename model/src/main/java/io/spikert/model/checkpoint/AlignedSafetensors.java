package io.spikert.model.checkpoint;

/**
 * The aligned safetensors layout SpikeRT's converter writes: every tensor's data starts at a file offset
 * that is a multiple of {@value #ALIGNMENT}, and the gaps are filled by small U8 tensors named
 * {@value #PADDING_PREFIX}N (the safetensors specification allows no holes). Any safetensors reader reads
 * such a file; a model loader skips the padding tensors.
 */
public final class AlignedSafetensors {
    public static final int ALIGNMENT = 64;
    public static final String PADDING_PREFIX = "__padding_";

    private AlignedSafetensors() {
    }
}
