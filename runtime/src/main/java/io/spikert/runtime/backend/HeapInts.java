package io.spikert.runtime.backend;

/** The CPU's token ids. */
record HeapInts(int[] array) implements Ints {
    @Override
    public int size() {
        return array.length;
    }
}
