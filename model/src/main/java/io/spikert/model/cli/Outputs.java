package io.spikert.model.cli;

import io.spikert.model.util.OutputRefusedException;
import io.spikert.model.util.OutputTarget;

/** Output paths of the commands, checked by {@link OutputTarget}'s rules before any model is loaded. */
final class Outputs {
    private Outputs() {}

    /** The target of {@code option}, or a usage error (exit status 2) that says what is in the way. */
    static OutputTarget check(String option, String argument, boolean force) {
        try {
            return OutputTarget.check(option, argument, force);
        } catch (OutputRefusedException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
