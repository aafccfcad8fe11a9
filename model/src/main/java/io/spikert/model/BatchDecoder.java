package io.spikert.model;

import io.spikert.model.layers.Batch;
import io.spikert.model.layers.Workspace;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.Memory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes one token for each of several sessions of one model in a single forward pass: the products
 * stream each weight once for all of them (what a server's continuous batching needs), while each
 * session's attention runs over its own state at its own position. A step's logits equal each session's
 * own {@link Session#decode} to float rounding (a product of several rows sums in another order than a
 * product of one), and are checked finite as {@link Session#decode}'s are.
 *
 * <p>Holds a workspace of {@code maxSessions} rows in backend memory; close it to free that. Not
 * thread-safe, and the sessions it steps must not be used by another thread meanwhile.
 */
public final class BatchDecoder implements AutoCloseable {
    private final SpikingBrainModel model;
    private final Memory memory;
    private final Workspace ws;
    private final Floats logitsBuffer;
    private final float[] logits;
    private boolean closed;

    BatchDecoder(SpikingBrainModel model, int maxSessions) {
        if (maxSessions < 1) {
            throw new IllegalArgumentException("a batch decoder takes at least 1 session, got " + maxSessions);
        }
        ModelConfig c = model.config();
        Workspace.checkChunk(maxSessions, c.vocabSize()); // the logits of a whole batch
        this.model = model;
        this.memory = model.backend().newMemory("a batch decoder");
        try {
            this.ws = new Workspace(c, maxSessions, model.spiking(), memory);
            this.logitsBuffer = memory.floats((long) maxSessions * c.vocabSize(), "logits of a batch");
        } catch (RuntimeException e) {
            throw memory.closeAfter(e);
        }
        this.logits = new float[maxSessions * c.vocabSize()];
    }

    /** Most sessions one step takes. */
    public int maxSessions() {
        return ws.capacity;
    }

    /**
     * Runs {@code ids[i]} through {@code sessions.get(i)} for every i, one weight pass for all, and returns
     * their logits: session i's at {@code [i * vocab, (i + 1) * vocab)}. The array is reused by the next step.
     *
     * @throws IllegalArgumentException for a count mismatch, more sessions than {@link #maxSessions}, a session
     *                                  listed twice or of another model, or an id outside the vocabulary,
     *                                  before anything runs
     */
    public float[] decode(List<? extends Session> sessions, int[] ids) {
        if (closed) {
            throw new IllegalStateException("the batch decoder was closed");
        }
        int n = sessions.size();
        if (n != ids.length || n < 1 || n > ws.capacity) {
            throw new IllegalArgumentException(n + " sessions and " + ids.length + " ids: a step takes one id per session, 1 to "
                    + ws.capacity + " sessions");
        }
        int vocab = model.config().vocabSize();
        Session.checkIds(ids, vocab);
        List<ModelSession> own = new ArrayList<>(n);
        Map<ModelSession, Boolean> seen = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) {
            ModelSession s = unwrap(sessions.get(i), i);
            if (seen.put(s, Boolean.TRUE) != null) {
                throw new IllegalArgumentException("session " + i + " is listed twice in one step");
            }
            own.add(s);
        }
        List<Batch.Sequence> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rows.add(new Batch.Sequence(i, 1, own.get(i).position(), own.get(i).state()));
        }
        Backend ops = model.ops();
        ops.upload(ids, 0, n, ws.ids);
        model.forward(ws, new Batch(n, rows));
        for (ModelSession s : own) {
            s.advance();
        }
        model.logits(ws, 0, n, logitsBuffer);
        ops.download(logitsBuffer, n * vocab, logits, 0);
        for (int i = 0; i < n; i++) {
            FiniteLogitsSession.requireFinite(logits, i * vocab, vocab, rows.get(i).pos0(), ids[i]);
        }
        return logits;
    }

    private ModelSession unwrap(Session s, int index) {
        Session inner = s instanceof FiniteLogitsSession f ? f.inner() : s;
        if (!(inner instanceof ModelSession m) || m.model() != model) {
            throw new IllegalArgumentException("session " + index + " is not a session of this model");
        }
        return m;
    }

    /** Frees the workspace. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            memory.close();
        }
    }
}
