package io.spikert.runtime.gpu;

import io.spikert.runtime.backend.Int8Matrix;

import java.lang.foreign.MemorySegment;

/**
 * W8ASpike INT8 weight codes in device memory, as {@code spike.cu}'s products take them
 * ({@link Int8DeviceLayout}): int8 codes row-major [rows][cols], scales [rows][cols / 128], and the
 * exact residuals of the codes outside int8 as a per-row list ({@code outlierStart} [rows + 1],
 * {@code outlierCol}, {@code outlierResidual}, {@code outliers} entries). Pointers are device addresses.
 */
public record DeviceInt8Matrix(String name, int rows, int cols, long codes, long scales, long outlierStart,
                               long outlierCol, long outlierResidual, int outliers) implements Int8Matrix {

    /** Inputs per scale group (SPIKERT_GROUP in spike.cu). */
    public static final int GROUP = 128;

    public DeviceInt8Matrix {
        if (rows <= 0 || cols <= 0 || cols % GROUP != 0) {
            throw new IllegalArgumentException(name + ": INT8 weights of shape [" + rows + ", " + cols
                    + "]; the inputs must be a positive multiple of the scale group " + GROUP);
        }
    }

    /**
     * Uploads {@code layout}'s row-major codes and outliers with {@code scales} [rows][cols / 128] into
     * {@code arena}, each buffer labelled with {@code name}.
     */
    public static DeviceInt8Matrix upload(DeviceArena arena, String name, Int8DeviceLayout layout, float[] scales) {
        int rows = layout.rows(), cols = layout.cols();
        if (scales.length != (long) rows * (cols / GROUP)) {
            throw new IllegalArgumentException(name + ": " + scales.length + " scales for INT8 weights [" + rows + ", " + cols
                    + "], need " + rows + " x " + cols / GROUP);
        }
        int outliers = layout.outlierCol().length;
        long codes = arena.upload(MemorySegment.ofArray(layout.rowMajor()), "INT8 codes of " + name).pointer();
        long s = arena.upload(scales, "scales of " + name).pointer();
        long start = arena.upload(MemorySegment.ofArray(layout.outlierStart()), "outlier index of " + name).pointer();
        // An empty list still gets a buffer: the kernels take a pointer and never read it (start[rows] == 0).
        long col = arena.upload(MemorySegment.ofArray(outliers == 0 ? new int[1] : layout.outlierCol()),
                "outlier columns of " + name).pointer();
        long residual = arena.upload(MemorySegment.ofArray(outliers == 0 ? new int[1] : layout.outlierResidual()),
                "outlier residuals of " + name).pointer();
        return new DeviceInt8Matrix(name, rows, cols, codes, s, start, col, residual, outliers);
    }

    /** Bytes one product reads: codes, scales and the outlier list. */
    public long bytes() {
        return (long) rows * cols + 4L * rows * (cols / GROUP) + 4L * (rows + 1) + 8L * outliers;
    }
}
