package io.spikert.runtime.backend;

/**
 * An operator or allocation of a backend failed (a device refusing memory, a launch failing): the message
 * names the operation and its sizes. Callers pass it on as it is; it is not a fault of their input.
 */
public class BackendException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }

    public BackendException(String message) {
        super(message);
    }
}
