package io.spikert.ffm;

import java.util.List;

/** A vendor library could not be found or opened; the message lists every place that was tried. */
public final class NativeLibraryNotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient NativeLibrary library;
    private final List<String> lookedIn;

    public NativeLibraryNotFoundException(NativeLibrary library, List<String> lookedIn) {
        super("no " + library.displayName() + " found (looked in: " + String.join(", ", lookedIn)
                + "); set -D" + library.pathProperty() + "=<file or directory> to name it");
        this.library = library;
        this.lookedIn = List.copyOf(lookedIn);
    }

    public NativeLibrary library() {
        return library;
    }

    /** The places tried, in order, as they appear in the message. */
    public List<String> lookedIn() {
        return lookedIn;
    }
}
