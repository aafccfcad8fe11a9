package io.spikert.model.device;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.checkpoint.w8.PackedW8Reader;
import io.spikert.model.layers.Int8Linear;
import io.spikert.model.layers.Linear;
import io.spikert.model.layers.Projection;
import io.spikert.model.layers.SpikingLinear;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceBuffer;
import io.spikert.runtime.gpu.DeviceInt8Matrix;
import io.spikert.runtime.gpu.DeviceMatrix;
import io.spikert.runtime.gpu.Int8DeviceLayout;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Map;

/**
 * A W8ASpike checkpoint's weights for the device (MODEL.md section 4). QuantLinears become their exact
 * codes {@code rint(W / s)} per group of 128 inputs, unclamped (outliers kept exact), with their scales:
 * taken from the CPU model's integer form when it has one (the codes it already made, so the checkpoint's
 * fp32 weights, 26 GB at 7B, are not read and quantised a second time), else from the fp32 weights or
 * the packed form. The raw matrices (down_proj, lm_head) are uploaded in the exact form the CPU model
 * bound them in (F32, BF16, or INT8 codes for a down_proj that is exactly code x scale), so both paths
 * hold the same values. Everything else is uploaded as stored ({@link CheckpointWeightSource}).
 */
public final class SpikingCheckpointWeights implements DeviceWeightSource {
    private static final String SCALES = ".weight_quantizer.scales";

    private final Checkpoint checkpoint;
    private final CheckpointWeightSource stored;
    private final Map<String, Projection> boundProjections;

    /**
     * {@code boundProjections}: the CPU model's projections by tensor prefix, at least the down_proj of every
     * layer and, unless tied, lm_head; QuantLinears bound in the integer form lend their codes.
     */
    public SpikingCheckpointWeights(Checkpoint checkpoint, Map<String, Projection> boundProjections) {
        this.checkpoint = checkpoint;
        this.stored = new CheckpointWeightSource(checkpoint);
        this.boundProjections = Map.copyOf(boundProjections);
    }

    @Override
    public boolean contains(String name) {
        return stored.contains(name);
    }

    @Override
    public DeviceMatrix matrix(String name, int rows, int cols, DeviceArena arena) {
        return stored.matrix(name, rows, cols, arena);
    }

    @Override
    public DeviceBuffer vector(String name, int n, DeviceArena arena) {
        return stored.vector(name, n, arena);
    }

    /** QuantLinear {@code prefix} [out, in] as device INT8 codes with their scales. */
    DeviceInt8Matrix quantized(String prefix, int out, int in, DeviceArena arena) {
        if (boundProjections.containsKey(prefix) && bound(prefix, out, in) instanceof SpikingLinear s && s.isInteger()) {
            return DeviceInt8Matrix.upload(arena, prefix, Int8DeviceLayout.from(s.weights()), scales(s.weights()));
        }
        int[] codes;
        float[] scales;
        try {
            if (PackedW8Reader.isPacked(checkpoint, prefix)) {
                codes = PackedW8Reader.codes(checkpoint, prefix, out, in);
                scales = PackedW8Reader.scales(checkpoint, prefix, out, in);
            } else {
                float[] w = tensor(prefix + ".weight", out, in).toFloatArray();
                scales = tensor(prefix + SCALES, out, in / Int8Weights.GROUP, 1).toFloatArray();
                // The CPU model's quantisation, so that the codes are the same ones; its host copy is freed here.
                try (Arena host = Arena.ofConfined()) {
                    codes = Int8Weights.quantize(host, w, out, in, scales).codes();
                }
            }
        } catch (CheckpointException | IllegalArgumentException e) {
            throw new IllegalArgumentException("QuantLinear " + prefix + ": " + e.getMessage(), e);
        }
        return DeviceInt8Matrix.upload(arena, prefix, Int8DeviceLayout.fromCodes(codes, out, in), scales);
    }

    /** down_proj {@code prefix}: a dense product of its F32 or BF16 weight, or its INT8 codes times the float input. */
    DeviceProjection rawProjection(String prefix, int out, int in, DeviceArena arena) {
        return switch (bound(prefix, out, in)) {
            case Linear l -> new DeviceLinear(upload(l.weight(), arena), 0L);
            case Int8Linear q -> new DeviceInt8Linear(DeviceInt8Matrix.upload(arena, prefix,
                    Int8DeviceLayout.from(q.weights()), scales(q.weights())));
            case Projection p -> throw new IllegalArgumentException(prefix + ": raw projection of unexpected kind "
                    + p.getClass().getSimpleName());
        };
    }

    /** lm_head (untied): its weight as the CPU model holds it, F32 or BF16. */
    DeviceMatrix rawMatrix(String prefix, int out, int in, DeviceArena arena) {
        if (!(bound(prefix, out, in) instanceof Linear l)) {
            throw new IllegalArgumentException(prefix + ": expected a dense raw weight");
        }
        return upload(l.weight(), arena);
    }

    private Projection bound(String prefix, int out, int in) {
        Projection p = boundProjections.get(prefix);
        if (p == null) {
            throw new IllegalArgumentException("raw W8ASpike projection " + prefix + " was not handed over by the CPU model");
        }
        if (p.out() != out || p.in() != in) {
            throw new IllegalArgumentException(prefix + ": bound as [" + p.out() + ", " + p.in() + "], expected [" + out + ", "
                    + in + "]");
        }
        return p;
    }

    private static DeviceMatrix upload(Tensor w, DeviceArena arena) {
        DeviceBuffer b = arena.upload(w.data().asSlice(0, w.byteSize()), "weight " + w.name());
        return new DeviceMatrix(w.name(), w.dtype(), (int) w.dim(0), (int) w.dim(1), b.pointer());
    }

    private static float[] scales(Int8Weights w) {
        float[] s = new float[w.rows() * w.groups()];
        for (int r = 0; r < w.rows(); r++) {
            for (int g = 0; g < w.groups(); g++) {
                s[r * w.groups() + g] = w.scale(r, g);
            }
        }
        return s;
    }

    private Tensor tensor(String name, long... shape) throws CheckpointException {
        Tensor t = checkpoint.tensor(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(checkpoint.fileOf(name) + ": tensor " + name + " has shape "
                    + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        }
        return t;
    }
}
