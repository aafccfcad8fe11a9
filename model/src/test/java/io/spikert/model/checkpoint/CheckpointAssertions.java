package io.spikert.model.checkpoint;

import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Asserts that reading fails with a CheckpointException (and nothing else) whose message names what it should. */
final class CheckpointAssertions {
    private CheckpointAssertions() {
    }

    static CheckpointException assertCheckpointError(Executable action, String... mustContain) {
        try {
            action.execute();
        } catch (CheckpointException e) {
            String m = e.getMessage();
            for (String s : mustContain) {
                assertTrue(m.contains(s), () -> "message lacks '" + s + "': " + m);
            }
            return e;
        } catch (Throwable t) {
            throw new AssertionError("expected CheckpointException, got " + t, t);
        }
        return fail("expected CheckpointException naming " + String.join(", ", mustContain));
    }
}
