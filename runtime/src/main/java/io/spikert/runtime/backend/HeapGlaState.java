package io.spikert.runtime.backend;

/** GLA state on the CPU: [kvHeads][D][D] floats. */
record HeapGlaState(float[] s, int kvHeads, int headDim) implements GlaState {
    HeapGlaState(int kvHeads, int headDim) {
        this(new float[Math.multiplyExact(kvHeads, Math.multiplyExact(headDim, headDim))], kvHeads, headDim);
    }

    @Override
    public long bytes() {
        return 4L * s.length;
    }
}
