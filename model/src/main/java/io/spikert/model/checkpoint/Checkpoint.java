package io.spikert.model.checkpoint;

import io.spikert.runtime.Tensor;

import java.nio.file.Path;
import java.util.SortedSet;

/**
 * The tensors of one model folder (one file or a sharded set), memory-mapped read-only.
 * Tensors are views into the mapping, valid until {@link #close()}; after that, touching their data
 * throws {@link IllegalStateException}.
 */
public interface Checkpoint extends AutoCloseable {
    /** The model folder this checkpoint was opened from. */
    Path directory();

    /** All tensor names, sorted. */
    SortedSet<String> names();

    boolean contains(String name);

    /** The named tensor as a zero-copy view; an unknown name is a {@link CheckpointException} naming it and the folder. */
    Tensor tensor(String name) throws CheckpointException;

    /** The shard file that holds {@code name}; an unknown name is an {@link IllegalArgumentException}. */
    Path fileOf(String name);

    /** {@code "safetensors"} or {@code "pytorch"}. */
    String format();

    /** Sum of the data bytes of all tensors (a storage shared by several torch tensors counts once per tensor). */
    long totalBytes();

    /** Unmaps every shard. Idempotent. */
    @Override
    void close();
}
