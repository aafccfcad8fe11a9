package io.spikert.kernels;

/**
 * The quantisation formats of {@link QuantFormat} written out from their definition, element by element, for the
 * tests (the model module's too): the codes and scales a matrix gets, and the dequantised values {@code (float) code * scale}.
 */
public final class QuantScalar {
    private QuantScalar() {}

    static final int G = 32;

    /** Codes [rows][cols] and scales [rows][cols / 32] of {@code w} (row-major floats). */
    public record Quantized(int[][] codes, float[][] scales) {
        public float[] dequantized() {
            int rows = codes.length, cols = rows == 0 ? 0 : codes[0].length;
            float[] d = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    d[r * cols + c] = codes[r][c] * scales[r][c / G];
                }
            }
            return d;
        }
    }

    public static Quantized quantize(float[] w, int rows, int cols, QuantFormat f) {
        int[][] codes = new int[rows][cols];
        float[][] scales = new float[rows][cols / G];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols / G; g++) {
                float extreme = 0f;
                for (int j = 0; j < G; j++) {
                    float v = w[r * cols + g * G + j];
                    if (Math.abs(v) > Math.abs(extreme)) {
                        extreme = v;
                    }
                }
                float s = f == QuantFormat.Q8 ? Math.abs(extreme) / 127f : extreme / -8f;
                scales[r][g] = s;
                for (int j = 0; j < G; j++) {
                    float v = w[r * cols + g * G + j];
                    int q = s == 0f ? 0 : (int) Math.rint(v / s);
                    codes[r][g * G + j] = f == QuantFormat.Q8 ? q : Math.min(q, 7);
                }
            }
        }
        return new Quantized(codes, scales);
    }
}
