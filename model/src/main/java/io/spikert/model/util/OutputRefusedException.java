package io.spikert.model.util;

import java.io.IOException;

/** An output path that {@link OutputTarget}'s rules refuse; the message names the option, the path and the reason. */
public final class OutputRefusedException extends IOException {
    public OutputRefusedException(String message) {
        super(message);
    }
}
