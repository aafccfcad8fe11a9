package io.spikert.runtime.backend;

/** The product kernels for spiking INT8 projections, which a backend picks per call. */
public enum SpikeKernel {
    /** Every weight is read: INT8 codes row by row, integer sums per group of 128. */
    DENSE_INT8,
    /** Event-driven: only the columns of non-zero counts are read, one contiguous run per channel and block. */
    SPARSE_EVENTS,
    /**
     * A batch's integer group sums from oneDNN's INT8 matmul (every weight read once for the whole batch, AMX or
     * VNNI), the float steps as the batched kernel's: the same result bit for bit.
     */
    INT8_GEMM
}
