package io.spikert.runtime.backend;

/** Int32 token ids a backend owns, filled by {@link Backend#upload}. */
public interface Ints {
    int size();
}
