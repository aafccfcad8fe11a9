package io.spikert.fuzz;

import io.spikert.runtime.NumericalFaultException;
import io.spikert.model.checkpoint.CheckpointException;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * The rule every fuzz input is held to: it loads (and a forward step runs and gives finite logits), or it is
 * rejected with the project's error for a bad file, whose message names the file. Everything else is a
 * finding.
 *
 * <p>Clean stops: a {@link NumericalFaultException}, which every session throws instead of returning non-finite
 * logits (weights that are non-finite or absurd in a tensor the load does not read), counted apart.
 *
 * <p>Clean rejections: a {@link CheckpointException}, or a plain {@link IOException} (the class itself, as
 * {@code ModelConfig} and the tokenizer loaders throw it), whose message names the folder or one of the files
 * in it, and whose cause chain hides no failure of the loader: no {@link Error} and no {@link RuntimeException}
 * except an {@link IllegalArgumentException} a loader translated on purpose ({@link InvalidPathException},
 * although an IllegalArgumentException, is a finding: a path from the file was never checked) or an
 * {@link ArithmeticException} from exact size arithmetic.
 *
 * <p>Findings, by class: any other exception or error escaping (label: its type and top frame, e.g. an
 * {@code OutOfMemoryError} at {@code KvRing.<init>}); {@code unnamed file} (an accepted type whose message
 * names no file); {@code wrapped} (a clean type whose cause is a runtime failure); {@code non-finite logits}
 * ({@link NonFiniteLogits}); {@code non-finite weight loaded} (only with {@link #STRICT_WEIGHTS}, see
 * {@link ModelProbe}).
 */
final class Oracle {
    /**
     * System property: when true, a checkpoint that loads although one of its float tensors holds NaN or
     * infinity is a finding even if its logits stay finite. Off until the loaders check weights at load.
     */
    static final String STRICT_WEIGHTS = "spikert.fuzz.strictWeights";
    /** The label of a step stopped by the model's own numerical-fault check, counted apart from rejections at load. */
    static final String NUMERICAL_FAULT = "stopped cleanly: numerical fault";

    private Oracle() {
    }

    /** A body that loads and runs something; anything it throws is judged. */
    @FunctionalInterface
    interface Probe {
        void run() throws Exception;
    }

    /** Runs {@code probe} against the files of {@code folder} and judges what happened. */
    static Verdict judge(Path folder, List<String> fileNames, Probe probe) {
        try {
            probe.run();
            return Verdict.LOADED;
        } catch (Throwable t) {
            return classify(t, folder, fileNames);
        }
    }

    static Verdict classify(Throwable t, Path folder, List<String> fileNames) {
        if (t instanceof NumericalFaultException) {
            // the documented stop for weights that are non-finite or absurd but not read at load
            return new Verdict(Verdict.Kind.REJECTED, NUMERICAL_FAULT, t);
        }
        if (t instanceof NonFiniteLogits) {
            return new Verdict(Verdict.Kind.FINDING, "non-finite logits", t);
        }
        if (t instanceof FindingError) {
            return new Verdict(Verdict.Kind.FINDING, "non-finite weight loaded", t);
        }
        if (t instanceof CheckpointException || t.getClass() == IOException.class) {
            String message = String.valueOf(t.getMessage());
            if (!namesFile(message, folder, fileNames)) {
                return new Verdict(Verdict.Kind.FINDING, "unnamed file: " + describe(t), t);
            }
            Throwable hidden = hiddenFailure(t.getCause());
            if (hidden != null) {
                return new Verdict(Verdict.Kind.FINDING, "wrapped: " + describe(hidden), t);
            }
            return Verdict.rejected(t);
        }
        return new Verdict(Verdict.Kind.FINDING, describe(t), t);
    }

    /** Whether the message names the folder, a path in it, or one of its files by name. */
    static boolean namesFile(String message, Path folder, List<String> fileNames) {
        if (message.contains(folder.toString())) {
            return true;
        }
        for (String name : fileNames) {
            if (message.contains(name)) {
                return true;
            }
        }
        return false;
    }

    /** The first throwable in the cause chain that is a failure of the loader rather than a translated check. */
    static Throwable hiddenFailure(Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause()) {
            if (c instanceof Error || c instanceof InvalidPathException) {
                return c;
            }
            if (c instanceof RuntimeException && !(c instanceof IllegalArgumentException) && !(c instanceof ArithmeticException)) {
                return c;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    /** Exception type, message category for errors that carry one, and the top stack frame: the dedup key. */
    static String describe(Throwable t) {
        String type = t.getClass().getSimpleName();
        if (t instanceof OutOfMemoryError && t.getMessage() != null) {
            type += " (" + t.getMessage() + ")";
        }
        StackTraceElement[] frames = t.getStackTrace();
        String top = frames.length == 0 ? "(no stack trace) " + ProbePhase.current()
                : frames[0].getClassName().replaceFirst(".*\\.", "") + "." + frames[0].getMethodName();
        String ours = firstProjectFrame(frames);
        return type + " at " + top + (ours == null || ours.equals(top) ? "" : " (from " + ours + ")");
    }

    private static String firstProjectFrame(StackTraceElement[] frames) {
        for (StackTraceElement f : frames) {
            if (f.getClassName().startsWith("io.spikert.") && !f.getClassName().startsWith("io.spikert.fuzz.")) {
                return f.getClassName().replaceFirst(".*\\.", "") + "." + f.getMethodName();
            }
        }
        return null;
    }
}
