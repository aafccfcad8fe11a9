package io.spikert.bench.gpu;

import java.util.List;

/**
 * Every weight matrix of the model in its own device buffer, BF16, filled on the device. Distinct
 * buffers matter: a decode step that re-read one buffer would be served from L2 for the small
 * matrices and overstate the bandwidth.
 */
final class DeviceWeights {
    private final List<WeightMatrix> matrices;
    private final long[] pointers;

    DeviceWeights(DeviceMemory mem, List<WeightMatrix> matrices) {
        this.matrices = List.copyOf(matrices);
        this.pointers = new long[matrices.size()];
        for (int i = 0; i < pointers.length; i++) {
            WeightMatrix m = matrices.get(i);
            pointers[i] = mem.allocate(m.bf16Bytes(), "weight " + m.name() + " [" + m.rows() + ", " + m.cols() + "]");
            mem.fillBf16(pointers[i], m.elements());
        }
    }

    static long totalBytes(List<WeightMatrix> matrices) {
        long sum = 0;
        for (WeightMatrix m : matrices) {
            sum += m.bf16Bytes();
        }
        return sum;
    }

    List<WeightMatrix> matrices() {
        return matrices;
    }

    long pointer(int index) {
        return pointers[index];
    }

    int maxRows() {
        return matrices.stream().mapToInt(WeightMatrix::rows).max().orElse(0);
    }

    int maxCols() {
        return matrices.stream().mapToInt(WeightMatrix::cols).max().orElse(0);
    }
}
