package io.spikert.model.checkpoint;

import io.spikert.runtime.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.SequencedMap;

/** Placeholder until the torch zip reader lands. */
public final class TorchCheckpointFile implements TensorFile {
    public static TorchCheckpointFile open(Path file, Arena arena) throws CheckpointException {
        throw CheckpointException.inFile(file, "pytorch checkpoints are not supported yet");
    }

    @Override
    public Path path() {
        throw new UnsupportedOperationException();
    }

    @Override
    public SequencedMap<String, Tensor> tensors() {
        throw new UnsupportedOperationException();
    }
}
