package io.spikert.model.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint file or folder that cannot be read: missing, malformed, inconsistent or unsupported.
 * The message always names the file and, when one is involved, the tensor, so a user can find the bad bytes.
 */
public final class CheckpointException extends IOException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }

    static CheckpointException inFile(Path file, String problem) {
        return new CheckpointException(file + ": " + problem);
    }

    static CheckpointException inTensor(Path file, String tensor, String problem) {
        return new CheckpointException(file + ": tensor " + tensor + ": " + problem);
    }
}
