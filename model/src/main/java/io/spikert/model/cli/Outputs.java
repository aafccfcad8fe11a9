package io.spikert.model.cli;

import io.spikert.model.util.OutputRefusedException;
import io.spikert.model.util.OutputTarget;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Output paths of the commands, checked by {@link OutputTarget}'s rules before any model is loaded. */
final class Outputs {
    private Outputs() {}

    /**
     * The target of {@code option}, or a usage error (exit status 2) that says what is in the way. Besides
     * {@link OutputTarget}'s rules, an existing file inside {@code modelDir} (the folder the command reads) is never
     * replaced, {@code --force} or not: it would be one of the checkpoint's own files.
     */
    static OutputTarget check(String option, String argument, boolean force, Path modelDir) {
        OutputTarget target;
        try {
            target = OutputTarget.check(option, argument, force);
        } catch (OutputRefusedException e) {
            throw new UsageException(e.getMessage());
        }
        Path p = target.path();
        if (p != null && modelDir != null && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (p.toRealPath().startsWith(modelDir.toRealPath())) {
                    throw new UsageException(option + " " + argument + ": it is a file of the model folder " + modelDir
                            + " that this command reads; SpikeRT does not replace a checkpoint's files (name another file)");
                }
            } catch (IOException e) {
                // the model folder does not resolve: ModelInputs names that problem
            }
        }
        return target;
    }

    /** Refuses two outputs of one command that are the same stream or file (their contents would mix). */
    static void requireDistinct(OutputTarget a, OutputTarget b) {
        if (a == null || b == null) {
            return;
        }
        boolean same = a.isStdout() && b.isStdout();
        if (!same && a.path() != null && b.path() != null) {
            same = a.path().toAbsolutePath().normalize().equals(b.path().toAbsolutePath().normalize());
            try {
                same |= Files.exists(a.path()) && Files.exists(b.path()) && Files.isSameFile(a.path(), b.path());
            } catch (IOException e) {
                // cannot tell: the paths' text decided
            }
        }
        if (same) {
            throw new UsageException("the outputs " + a.describe() + " and " + b.describe()
                    + " are the same; give each its own file");
        }
    }
}
