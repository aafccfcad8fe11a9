package io.spikert.model.device;

import io.spikert.model.ModelConfig;
import io.spikert.model.Session;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceOpException;
import io.spikert.runtime.gpu.DeviceOps;

import java.lang.foreign.MemorySegment;

/**
 * A {@link Session} on a {@link DeviceModel}: its GLA states, SWA rings and chunk activations live in
 * device memory it owns, so a chunk uploads its token ids and downloads logits, nothing else (one row
 * per token with a {@link LogitsSink}, otherwise only the last token's). Close it, or its model, to
 * free that memory.
 */
public final class DeviceSession implements Session {
    private final DeviceModel model;
    private final ModelConfig config;
    private final DeviceArena arena;
    private final DeviceWorkspace ws;
    private final DeviceLayerState[] states;
    private final boolean hasSwa;
    private final float[] lastLogits;
    private long chunkLogitsDevice;
    private float[] chunkLogits;
    private long position;
    private boolean closed;

    DeviceSession(DeviceModel model, int chunkTokens) {
        if (chunkTokens < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1 token, got " + chunkTokens);
        }
        this.model = model;
        this.config = model.config();
        this.arena = new DeviceArena(model.backend().driver(), "a device session");
        try {
            this.ws = new DeviceWorkspace(config, chunkTokens, model.spiking(), arena);
            this.states = new DeviceLayerState[config.numLayers()];
            for (DeviceDecoderLayer layer : model.layers()) {
                states[layer.index()] = layer.attention().newState(arena, chunkTokens);
            }
        } catch (RuntimeException e) {
            throw arena.closeAfter(e);
        }
        this.hasSwa = config.swaLayerCount() > 0;
        this.lastLogits = new float[config.vocabSize()];
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public long position() {
        return position;
    }

    /** Device bytes of GLA states and SWA rings (the rings hold W + chunk slots; see {@link DeviceLayerState.KvRing}). */
    @Override
    public long stateBytes() {
        long total = 0;
        for (DeviceLayerState s : states) {
            total += s.bytes();
        }
        return total;
    }

    /** Device bytes of the state and the chunk activations. */
    public long deviceBytes() {
        return arena.bytes();
    }

    @Override
    public float[] prefill(int[] ids) {
        run(ids, null);
        return lastLogits;
    }

    @Override
    public void prefill(int[] ids, LogitsSink sink) {
        run(ids, sink);
    }

    @Override
    public float[] decode(int id) {
        return prefill(new int[] {id});
    }

    private void run(int[] ids, LogitsSink sink) {
        if (closed) {
            throw new IllegalStateException("the device session was closed");
        }
        Session.checkIds(ids, config.vocabSize());
        int vocab = config.vocabSize();
        model.backend().checkThread();
        DeviceOps ops = model.ops();
        int hidden = config.hiddenSize();
        for (int from = 0; from < ids.length; from += ws.capacity) {
            int count = Math.min(ws.capacity, ids.length - from);
            copyIn(MemorySegment.ofArray(ids).asSlice(4L * from, 4L * count), ws.ids, "token ids");
            ops.gather(model.embeddings(), ws.ids, count, ws.x);
            if (hasSwa) {
                // theta travels as a float (1e4, 5e5, 1e6 are exact); the kernel widens it, as the CPU's double.
                ops.ropeAngles(ws.ropeCos, ws.ropeSin, position, count, config.headDim(), (float) config.ropeTheta());
            }
            for (DeviceDecoderLayer layer : model.layers()) {
                layer.forward(ops, ws, states[layer.index()], count, position);
            }
            position += count;
            if (sink != null) {
                if (chunkLogits == null) {
                    chunkLogits = new float[ws.capacity * vocab];
                    chunkLogitsDevice = arena.allocate(4L * ws.capacity * vocab, "logits of a chunk").pointer();
                }
                ops.rmsnorm(ws.x, model.finalNorm(), ws.h, hidden, count, config.normEps());
                ops.linear(model.lmHead(), ws.h, count, chunkLogitsDevice);
                copyOut(chunkLogitsDevice, chunkLogits, count * vocab);
                for (int t = 0; t < count; t++) {
                    sink.accept(from + t, chunkLogits, t * vocab);
                }
                if (from + count == ids.length) {
                    System.arraycopy(chunkLogits, (count - 1) * vocab, lastLogits, 0, vocab);
                }
            } else if (from + count == ids.length) {
                ops.rmsnorm(ws.x + 4L * (count - 1) * hidden, model.finalNorm(), ws.h, hidden, 1, config.normEps());
                ops.linear(model.lmHead(), ws.h, 1, ws.logits);
                copyOut(ws.logits, lastLogits, vocab);
            }
        }
    }

    private void copyIn(MemorySegment host, long device, String what) {
        try {
            model.backend().driver().copyToDevice(device, host, host.byteSize());
        } catch (RuntimeException e) {
            throw new DeviceOpException("copying " + what + " to the device (" + host.byteSize() + " bytes): "
                    + e.getMessage(), e);
        }
    }

    /** Downloads logits; the copy waits for the chunk's kernels, so an earlier asynchronous fault surfaces here. */
    private void copyOut(long device, float[] host, int count) {
        try {
            model.backend().driver().copyToHost(MemorySegment.ofArray(host).asSlice(0, 4L * count), device, 4L * count);
        } catch (RuntimeException e) {
            throw new DeviceOpException("copying " + count + " logits to the host (waits for the chunk's kernels, so a fault"
                    + " in any of them shows here): " + e.getMessage(), e);
        }
    }

    /** Frees the session's device memory. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        model.forget(this);
        arena.close();
    }
}
