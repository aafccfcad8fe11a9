package io.spikert.runtime.gpu;

/**
 * CPU model of {@code swa_decode_split} and {@code swa_decode_combine} (swa.cu), block by block, with
 * the kernels' bookkeeping: window offsets [s * splitKeys, min((s + 1) * splitKeys, n)) per split, the
 * slice's first ring slot from one modulo and the slots after it wrapping once, the per-split (max,
 * sum, unnormalised output) and the log-sum-exp merge. The fake GPU runs these for the two kernels, so
 * a split plan from {@link DeviceOps} that skips or repeats a position, or a partials layout that
 * disagrees with the kernels', changes the model's logits on the fake as it would on a device.
 *
 * <p>Arrays: q [numHeads][d] (one token), keys and values [kvHeads][capacity][d], partOut
 * [numHeads][splits][d], partMax and partSum [numHeads][splits]. Sums are kept in double; the kernels
 * sum in float, which the device tests' tolerance covers.
 */
final class SwaDecodeSplitTwin {
    private SwaDecodeSplitTwin() {}

    /** Block (s, kvh) of swa_decode_split: the partials of split s for every query head of kv head kvh. */
    static void splitBlock(float[] q, float[] keys, float[] values, int numHeads, int kvHeads, int d, int capacity,
                           int window, long pos, float scale, int splitKeys, int splits, int s, int kvh,
                           float[] partOut, float[] partMax, float[] partSum) {
        if (s >= splits || kvh >= kvHeads) {
            return;
        }
        int group = numHeads / kvHeads;
        long first = Math.max(0, pos - window + 1);
        int n = (int) (pos - first + 1);
        int begin = s * splitKeys;
        int len = Math.min(splitKeys, n - begin);
        int h0 = kvh * group;
        if (len <= 0) {
            for (int g = 0; g < group; g++) {
                int at = (h0 + g) * splits + s;
                java.util.Arrays.fill(partOut, at * d, at * d + d, 0f);
                partMax[at] = Float.NEGATIVE_INFINITY;
                partSum[at] = 0f;
            }
            return;
        }
        int slot0 = (int) ((first + begin) % capacity);
        long base = (long) kvh * capacity * d;
        float[] e = new float[len];
        for (int g = 0; g < group; g++) {
            int qOff = (h0 + g) * d;
            float m = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < len; p++) {
                int row = (int) (base + (long) slot(slot0, p, capacity) * d);
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += (double) q[qOff + i] * keys[row + i];
                }
                e[p] = (float) dot * scale;
                m = Math.max(m, e[p]);
            }
            double sum = 0;
            for (int p = 0; p < len; p++) {
                e[p] = (float) Math.exp(e[p] - m);
                sum += e[p];
            }
            int at = (h0 + g) * splits + s;
            partMax[at] = m;
            partSum[at] = (float) sum;
            for (int j = 0; j < d; j++) {
                double acc = 0;
                for (int p = 0; p < len; p++) {
                    acc += (double) e[p] * values[(int) (base + (long) slot(slot0, p, capacity) * d) + j];
                }
                partOut[at * d + j] = (float) acc;
            }
        }
    }

    /** Block h of swa_decode_combine: merges the {@code splits} partials of query head h into out[outOff ..]. */
    static void combineBlock(float[] partOut, float[] partMax, float[] partSum, int h, int d, int splits,
                             float[] out, int outOff) {
        float max = Float.NEGATIVE_INFINITY;
        for (int s = 0; s < splits; s++) {
            max = Math.max(max, partMax[h * splits + s]);
        }
        double total = 0;
        double[] acc = new double[d];
        for (int s = 0; s < splits; s++) {
            int at = h * splits + s;
            if (!(partSum[at] > 0f)) {
                continue; // a neutral partial of an empty split
            }
            double w = Math.exp(partMax[at] - max);
            total += partSum[at] * w;
            for (int j = 0; j < d; j++) {
                acc[j] += w * partOut[at * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            out[outOff + j] = (float) (acc[j] / total);
        }
    }

    /** Ring slot of the p-th key of a slice starting at slot0: p < capacity, so one wrap at most. */
    private static int slot(int slot0, int p, int capacity) {
        int slot = slot0 + p;
        return slot >= capacity ? slot - capacity : slot;
    }
}
