package io.spikert.runtime;

import java.util.List;

/** Closing several things where one failing must not keep the others open. */
public final class Cleanup {
    private Cleanup() {}

    /** Runs every step in order; the first failure is thrown after all were tried, the later ones suppressed in it. */
    public static void runAll(List<Runnable> steps) {
        RuntimeException failure = null;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
