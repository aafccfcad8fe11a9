package io.spikert.model;

import io.spikert.runtime.backend.CpuBackend;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Child-JVM entry for {@link SessionSnapshotTest}: {@code DIR PREFIXES} (comma-separated prefix lengths). For each
 * prefix A, an uninterrupted reference session runs A, then B (prefilled), then three decode steps; another session
 * runs A, is snapshotted, then runs other tokens; a fresh session restored from the snapshot runs B and the decode
 * steps. Prints {@code firstBitDifference=null} and exits 0 when every logit matched bit for bit, else names the
 * first difference and exits 1. Run under {@code -XX:TieredStopAtLevel=1}, where the arithmetic does not change as
 * the JIT warms up.
 */
public final class SessionSnapshotCheck {
    private static final int CHUNK = 4;

    private SessionSnapshotCheck() {}

    public static void main(String[] args) throws Exception {
        String difference = null;
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(Path.of(args[0]), cpu)) {
            int vocab = model.config().vocabSize();
            for (String p : args[1].split(",")) {
                int prefix = Integer.parseInt(p);
                int[] a = TestModels.ids(prefix, vocab, 1);
                int[] b = TestModels.ids(7, vocab, 2);
                int[] next = TestModels.ids(3, vocab, 3);
                Session reference = model.newSession(CHUNK);
                reference.prefill(a);
                float[] expected = run(reference, b, next, vocab);
                Session original = model.newSession(CHUNK);
                original.prefill(a);
                SessionSnapshot snap = original.snapshot();
                original.prefill(TestModels.ids(prefix + 5, vocab, 4)); // the original goes on
                float[] actual = run(model.newSession(snap, CHUNK), b, next, vocab);
                int at = Arrays.mismatch(expected, actual);
                if (at >= 0 && Float.floatToRawIntBits(expected[at]) != Float.floatToRawIntBits(actual[at])) {
                    difference = "prefix " + prefix + ": logit " + (at % vocab) + " of row " + (at / vocab) + " is "
                            + actual[at] + " resumed, " + expected[at] + " uninterrupted";
                    break;
                }
                System.out.println("prefix " + prefix + ": " + expected.length / vocab + " rows equal bit for bit");
            }
        }
        System.out.println("firstBitDifference=" + difference);
        System.exit(difference == null ? 0 : 1);
    }

    /** Every row of logits of {@code b} (prefilled) and of each decode step of {@code next}, end to end. */
    private static float[] run(Session s, int[] b, int[] next, int vocab) {
        float[] rows = new float[(b.length + next.length) * vocab];
        s.prefill(b, (index, logits, off) -> System.arraycopy(logits, off, rows, index * vocab, vocab));
        for (int i = 0; i < next.length; i++) {
            System.arraycopy(s.decode(next[i]), 0, rows, (b.length + i) * vocab, vocab);
        }
        return rows;
    }
}
