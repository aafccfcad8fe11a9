package io.spikert.model;

import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;

import java.io.IOException;
import java.nio.file.Path;

/** Small synthetic checkpoints in the published layout for tests. */
final class TestModels {
    /** Window 5 and chunks of 8 are crossed by any prompt of a few dozen tokens. */
    static final SyntheticCheckpoint.Dims SMALL = new SyntheticCheckpoint.Dims(300, 64, 4, 4, 2, 96, 5);

    private TestModels() {}

    static Path write(Path dir, SyntheticCheckpoint.Dims dims, DType dtype) throws IOException {
        SyntheticCheckpoint.write(dir, dims, dtype, 7L, b -> { }, false);
        return dir;
    }

    static int[] ids(int n, int vocab, long seed) {
        var r = new java.util.SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    /** max |a - b| / max |b| over one row of logits. */
    static double relativeError(float[] a, int aOff, float[] b, int bOff, int n) {
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < n; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[aOff + i] - b[bOff + i]));
            maxRef = Math.max(maxRef, Math.abs(b[bOff + i]));
        }
        return maxDiff / Math.max(maxRef, 1e-30);
    }

    /** A golden file of little-endian float32 values. */
    static float[] floats(Path file) throws IOException {
        var buf = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(file)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(out);
        return out;
    }

    /** Each of {@code rows} rows of logits within {@code tolerance} ({@link #relativeError}) of the expected row. */
    static void assertRowsClose(float[] expected, float[] actual, int rows, double tolerance, String what) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.length, actual.length, what + ": logits count");
        int vocab = expected.length / rows;
        for (int t = 0; t < rows; t++) {
            double err = relativeError(actual, t * vocab, expected, t * vocab, vocab);
            org.junit.jupiter.api.Assertions.assertTrue(err < tolerance, what + ": token " + t + " relative logit error " + err);
        }
    }
}
