package io.spikert.model.cli;

/** A mistake in the command line: reported with the command's usage, never with a stack trace. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
