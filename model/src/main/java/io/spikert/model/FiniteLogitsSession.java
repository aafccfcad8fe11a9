package io.spikert.model;

import io.spikert.runtime.NumericalFaultException;

/**
 * The session every {@link SpikingBrainModel#newSession} hands out: the backend's session, with every row of logits
 * checked for NaN and infinities before the caller sees it. Non-finite logits come only from non-finite or absurd
 * weights (or a config that drives the activations there); they stop the step with a
 * {@link NumericalFaultException} naming the token, so no caller samples from them or writes them out. The check
 * reads each row once: one pass over a vocabulary of floats per token, beside the pass over every weight that
 * produced it (its cost has not been measured in the bench module).
 */
final class FiniteLogitsSession implements Session {
    private final Session inner;

    FiniteLogitsSession(Session inner) {
        this.inner = inner;
    }

    /** The backend's session this one checks. */
    Session inner() {
        return inner;
    }

    @Override
    public int vocabSize() {
        return inner.vocabSize();
    }

    @Override
    public long position() {
        return inner.position();
    }

    @Override
    public long contextLimit() {
        return inner.contextLimit();
    }

    @Override
    public long stateBytes() {
        return inner.stateBytes();
    }

    @Override
    public long memoryBytes() {
        return inner.memoryBytes();
    }

    @Override
    public float[] prefill(int[] ids) {
        long start = inner.position();
        float[] logits = inner.prefill(ids);
        requireFinite(logits, 0, inner.vocabSize(), start + ids.length - 1, ids[ids.length - 1]);
        return logits;
    }

    @Override
    public void prefill(int[] ids, LogitsSink sink) {
        long start = inner.position();
        int vocab = inner.vocabSize();
        inner.prefill(ids, (index, logits, off) -> {
            requireFinite(logits, off, vocab, start + index, ids[index]);
            sink.accept(index, logits, off);
        });
    }

    @Override
    public float[] decode(int id) {
        long position = inner.position();
        float[] logits = inner.decode(id);
        requireFinite(logits, 0, inner.vocabSize(), position, id);
        return logits;
    }

    @Override
    public SessionSnapshot snapshot() {
        return inner.snapshot();
    }

    @Override
    public void restore(SessionSnapshot snapshot) {
        inner.restore(snapshot);
    }

    @Override
    public void close() {
        inner.close();
    }

    /**
     * Checks one row of logits, those of the token {@code id} at {@code position}; the message is built only
     * on failure (this runs for every token).
     *
     * @throws NumericalFaultException naming the token, the first bad id, its value and how many there are
     */
    static void requireFinite(float[] logits, int off, int vocab, long position, int id) {
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
            throw new NumericalFaultException("the logits after the token at position " + position + " (id " + id
                    + ") hold " + bad + " non-finite value(s) of " + vocab + ", the first " + logits[off + first]
                    + " at id " + first
                    + "; the checkpoint's weights or config produce non-finite values (--check-weights on the command line,"
                    + " LoadOptions.withCheckWeights in the library, names non-finite weights at load)");
        }
    }
}
