package io.spikert.model;

import io.spikert.runtime.backend.StateImage;

/**
 * A {@link Session}'s recurrent state at one position, copied to host memory ({@link Session#snapshot}): every
 * layer's GLA state and the keys and values its SWA layers keep (the last {@code min(position, W)} positions; see
 * {@link StateImage}), with the {@link ModelIdentity} of the model it came from. {@link Session#restore} (or
 * {@link SpikingBrainModel#newSession(SessionSnapshot)}) resumes from it on a model of the same identity, on any
 * backend and at any chunk size, so a conversation's state can be kept and resumed without running its tokens
 * again.
 *
 * <p>Immutable: taking and restoring copy, so the session goes on without changing the snapshot, and one
 * snapshot may be restored any number of times, from any threads at once. It holds {@link #bytes()} of heap, at
 * most the session's {@link Session#stateBytes()} (less while the sequence is shorter than the window). Logits are
 * not part of it: a resumed session runs at least one token before there are logits to sample from.
 */
public final class SessionSnapshot {
    private final ModelIdentity model;
    private final long position;
    /** One image per decoder layer, never handed out. */
    private final float[][] layers;
    private final long bytes;

    SessionSnapshot(ModelIdentity model, long position, float[][] layers) {
        this.model = model;
        this.position = position;
        this.layers = layers;
        long total = 0;
        for (float[] l : layers) {
            total += 4L * l.length;
        }
        this.bytes = total;
    }

    /** The model it was taken on. */
    public ModelIdentity model() {
        return model;
    }

    /** Tokens the session had consumed; a resumed session goes on from this position. */
    public long position() {
        return position;
    }

    /** Heap bytes of the state images (what a cache of snapshots holds). */
    public long bytes() {
        return bytes;
    }

    int layerCount() {
        return layers.length;
    }

    /** Layer {@code index}'s image; read-only by contract (only the backend's copy into a state reads it). */
    float[] layer(int index) {
        return layers[index];
    }

    /** Fails unless the snapshot belongs to a model of identity {@code target}, naming the difference. */
    void requireModel(ModelIdentity target) {
        String difference = model.difference(target);
        if (difference != null) {
            throw new IllegalArgumentException("a snapshot of " + model + " cannot be restored on " + target + ": it holds "
                    + "the state of " + difference + "; a snapshot resumes only on the model it was taken from");
        }
    }

    @Override
    public String toString() {
        return "SessionSnapshot[" + model + ", position " + position + ", " + bytes + " bytes]";
    }
}
