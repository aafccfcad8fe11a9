/**
 * Spiking arithmetic of W8ASpike (MODEL.md section 4): adaptive-threshold spike counts, their
 * expansion into spike trains, INT8 group-128 weights with an exact outlier correction, and the
 * matrix-vector kernels over them (dense INT8, event-driven over counts, event-driven over bitwise
 * spike trains). Every kernel has a scalar twin of plain loops that the tests check it against.
 */
package io.spikert.kernels.spike;
