package io.spikert.model.checkpoint;

import io.spikert.runtime.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/** A checkpoint whose shards were all opened and cross-checked up front; all mappings share one arena. */
final class MappedCheckpoint implements Checkpoint {
    private final Path directory;
    private final String format;
    private final Arena arena;
    private final Map<String, Tensor> tensors;
    private final Map<String, Path> files;
    private final SortedSet<String> names;
    private final long totalBytes;
    private volatile boolean closed;

    MappedCheckpoint(Path directory, String format, Arena arena, Map<String, Tensor> tensors, Map<String, Path> files) {
        this.directory = directory;
        this.format = format;
        this.arena = arena;
        this.tensors = Map.copyOf(tensors);
        this.files = Map.copyOf(files);
        this.names = Collections.unmodifiableSortedSet(new TreeSet<>(tensors.keySet()));
        long total = 0;
        for (Tensor t : tensors.values()) {
            total = Math.addExact(total, t.byteSize());
        }
        this.totalBytes = total;
    }

    @Override
    public Path directory() {
        return directory;
    }

    @Override
    public SortedSet<String> names() {
        return names;
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public Tensor tensor(String name) throws CheckpointException {
        if (closed) {
            throw new IllegalStateException("checkpoint " + directory + " is closed");
        }
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException("no tensor named " + name + " in checkpoint " + directory);
        }
        return t;
    }

    @Override
    public Path fileOf(String name) {
        Path p = files.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no tensor named " + name + " in checkpoint " + directory);
        }
        return p;
    }

    @Override
    public String format() {
        return format;
    }

    @Override
    public long totalBytes() {
        return totalBytes;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    @Override
    public String toString() {
        return format + " checkpoint " + directory + " (" + tensors.size() + " tensors)";
    }
}
