package io.spikert.ffm.onednn;

/** A oneDNN call failed or the library found is not one SpikeRT can use; the message names the call or the file. */
public final class OneDnnException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OneDnnException(String message) {
        super(message);
    }

    public OneDnnException(String message, Throwable cause) {
        super(message, cause);
    }
}
