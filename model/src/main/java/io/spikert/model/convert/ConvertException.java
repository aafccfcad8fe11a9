package io.spikert.model.convert;

import java.io.IOException;

/** A conversion that cannot run or did not verify; the message names the folder, file or tensor at fault. */
public final class ConvertException extends IOException {
    public ConvertException(String message) {
        super(message);
    }

    public ConvertException(String message, Throwable cause) {
        super(message, cause);
    }
}
