package io.spikert.runtime.gpu;

import io.spikert.runtime.backend.BackendException;

/**
 * A device operation failed: an allocation, a copy, a kernel launch or a BLAS call. The message names
 * the operation (kernel, tensor or buffer) and its sizes; the cause is the driver's error.
 */
public final class DeviceOpException extends BackendException {
    private static final long serialVersionUID = 1L;

    public DeviceOpException(String message, Throwable cause) {
        super(message, cause);
    }

    public DeviceOpException(String message) {
        super(message);
    }
}
