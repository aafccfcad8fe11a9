package io.spikert.runtime.backend;

/** GLA's recurrent state: one D x D F32 matrix S[i][j] (i the key dimension) per kv head, zero at the start. */
public non-sealed interface GlaState extends RecurrentState {
    int kvHeads();

    int headDim();
}
