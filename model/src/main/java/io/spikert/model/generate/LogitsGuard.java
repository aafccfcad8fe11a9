package io.spikert.model.generate;

import io.spikert.model.NumericalFaultException;

/**
 * Refuses logits that hold NaN or infinities before a token is chosen from them: argmax over NaN picks an
 * arbitrary id and softmax over an infinity gives NaN probabilities, so generation would go on printing
 * garbage. Such logits come from a checkpoint with non-finite or absurd weights.
 */
public final class LogitsGuard {
    private LogitsGuard() {
    }

    /**
     * @param where what the logits belong to, for the message (e.g. "the prompt", "generated token 3")
     * @throws NumericalFaultException naming the first bad id, its value and how many there are
     */
    public static void requireFinite(float[] logits, int off, int vocab, String where) {
        int bad = 0;
        int first = -1;
        for (int i = 0; i < vocab; i++) {
            if (!Float.isFinite(logits[off + i])) {
                bad++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (bad > 0) {
            throw new NumericalFaultException("the logits after " + where + " hold " + bad + " non-finite value(s) of "
                    + vocab + ", the first " + logits[off + first] + " at id " + first
                    + "; the checkpoint's weights or config produce non-finite values (load with weight checking,"
                    + " the command's --check-weights option, to find non-finite weights)");
        }
    }
}
