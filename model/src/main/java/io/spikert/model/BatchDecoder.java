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

    /** Most sessions one step takes (each takes at least one row). */
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
        if (sessions.size() != ids.length || ids.length < 1 || ids.length > ws.capacity) {
            throw new IllegalArgumentException(sessions.size() + " sessions and " + ids.length + " ids: a step takes one id per session, 1 to "
                    + ws.capacity + " sessions");
        }
        List<int[]> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            tokens.add(new int[] {id});
        }
        return step(sessions, tokens);
    }

    /**
     * One forward pass in which session i takes {@code tokens.get(i)}: one token (a decode step) or several
     * (a chunk of its prompt), so a server can admit a prompt chunk into the same weight pass as the running
     * streams' decode steps. Returns the logits after each session's last token: session i's at
     * {@code [i * vocab, (i + 1) * vocab)}, reused by the next step. The final-norm and lm_head product runs once
     * for each run of sessions whose last tokens are adjacent rows, so list a prompt chunk just before the decode
     * steps (whose rows follow it) to have one such product per step. Each session ends where a run of its own
     * {@link Session#prefill} or {@link Session#decode} calls over the same tokens would, to float rounding.
     *
     * @throws IllegalArgumentException for a count mismatch, no sessions, an empty token list, more tokens in all
     *                                  than {@link #maxRows}, more tokens for one session than its chunk size, a
     *                                  session listed twice or of another model, or an id outside the vocabulary,
     *                                  before anything runs
     */
    public float[] step(List<? extends Session> sessions, List<int[]> tokens) {
        if (closed) {
            throw new IllegalStateException("the batch decoder was closed");
        }
        int n = sessions.size();
        if (n != tokens.size() || n < 1) {
            throw new IllegalArgumentException(n + " sessions and " + tokens.size() + " token lists: a step takes one list per session, at least one");
        }
        int vocab = model.config().vocabSize();
        int rows = 0;
        for (int i = 0; i < n; i++) {
            int[] t = tokens.get(i);
            if (t.length == 0) {
                throw new IllegalArgumentException("session " + i + " has no tokens in this step");
            }
            checkIds(t, vocab, i);
            rows += t.length;
            if (rows > ws.capacity) {
                throw new IllegalArgumentException("a step of more than " + ws.capacity + " tokens in all (this decoder's rows)");
            }
        }
        List<ModelSession> own = new ArrayList<>(n);
        Map<ModelSession, Boolean> seen = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) {
            ModelSession s = unwrap(sessions.get(i), i);
            if (seen.put(s, Boolean.TRUE) != null) {
                throw new IllegalArgumentException("session " + i + " is listed twice in one step");
            }
            if (tokens.get(i).length > s.chunkTokens()) {
                throw new IllegalArgumentException("session " + i + " takes at most " + s.chunkTokens() + " tokens per pass (its chunk size), got "
                        + tokens.get(i).length);
            }
            ContextLimitException.check(s.position(), tokens.get(i).length, model.config().contextLimit());
            own.add(s);
        }
        Backend ops = model.ops();
        List<Batch.Sequence> seqs = new ArrayList<>(n);
        int[] ids = new int[rows];
        int row = 0;
        for (int i = 0; i < n; i++) {
            int[] t = tokens.get(i);
            System.arraycopy(t, 0, ids, row, t.length);
            seqs.add(new Batch.Sequence(row, t.length, own.get(i).position(), own.get(i).state()));
            row += t.length;
        }
        ops.upload(ids, 0, rows, ws.ids);
        model.forward(ws, new Batch(rows, seqs));
        for (int i = 0; i < n; i++) {
            own.get(i).advance(tokens.get(i).length);
        }
        // the logits of each sequence's last row, one product for each run of sequences whose last rows are
        // consecutive (decode steps, and a prompt chunk placed just before them)
        for (int i = 0; i < n; ) {
            int first = lastRow(seqs.get(i));
            int j = i + 1;
            while (j < n && lastRow(seqs.get(j)) == first + (j - i)) {
                j++;
            }
            model.logits(ws, first, j - i, logitsBuffer.at((long) i * vocab));
            i = j;
        }
        ops.download(logitsBuffer, n * vocab, logits, 0);
        for (int i = 0; i < n; i++) {
            Batch.Sequence s = seqs.get(i);
            int[] t = tokens.get(i);
            FiniteLogitsSession.requireFinite(logits, i * vocab, vocab, s.pos0() + s.rows() - 1, t[t.length - 1]);
        }
        return logits;
    }

    private static int lastRow(Batch.Sequence s) {
        return s.firstRow() + s.rows() - 1;
    }

    /** As {@link Session#checkIds}, naming the session. */
    private static void checkIds(int[] ids, int vocab, int session) {
        for (int k = 0; k < ids.length; k++) {
            if (ids[k] < 0 || ids[k] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[k] + " at index " + k + " of session " + session
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    /** Most tokens one step takes in all (and so most sessions). */
    public int maxRows() {
        return ws.capacity;
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
