package io.spikert.spark.executor;

/** The model folder a spec names is missing or unreadable on this executor; the message names the path and the executor. */
public final class ModelPathException extends IllegalStateException {
    public ModelPathException(String message) {
        super(message);
    }

    public ModelPathException(String message, Throwable cause) {
        super(message, cause);
    }
}
