package io.spikert.model;

import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.kernels.QuantWeights;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.model.checkpoint.AlignedSafetensors;
import io.spikert.model.checkpoint.w8.ExactForms;
import io.spikert.model.checkpoint.w8.PackedFormat;
import io.spikert.model.checkpoint.w8.PackedW8Reader;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;
import io.spikert.model.layers.Int8Linear;
import io.spikert.model.layers.Linear;
import io.spikert.model.layers.LowRankProjection;
import io.spikert.model.layers.Projection;
import io.spikert.model.layers.QuantizedLinear;
import io.spikert.model.layers.SpikingLinear;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.Matrix;
import io.spikert.runtime.backend.Memory;
import io.spikert.runtime.backend.QuantMatrix;
import io.spikert.runtime.backend.WeightVector;
import io.spikert.runtime.memory.NativeMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A checkpoint's weights for the model, by their published names: each tensor is taken out, its shape
 * checked against the config, and bound into the backend's {@link Memory} (the CPU multiplies it where
 * it is mapped; a GPU uploads it). Remembers what was taken so that tensors the model does not know are
 * reported, not ignored.
 */
final class WeightBinder implements ModelWeights {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final String SCALES = W8ASpikeFormat.SCALES;
    private static final int GROUP = W8ASpikeFormat.GROUP;

    private final Checkpoint checkpoint;
    private final Arena arena;
    private final Memory memory;
    private final LoadOptions options;
    private final TreeSet<String> unused;
    private final ModelVariant variant;
    /** How many raw W8ASpike matrices were kept in each form, for the load report. */
    private final Map<String, Integer> rawForms = new TreeMap<>();
    /** F16 tensors widened to F32 so far (their copies live in the arena), by name. */
    private final Map<String, Tensor> widened = new java.util.HashMap<>();
    /** Matrices quantised at load, their bytes as stored and quantised, and projections left as stored. */
    private int quantizedMatrices;
    private long storedBytes;
    private long quantizedBytes;
    private int keptAsStored;

    /** Host copies the load makes (INT8 codes, widened or narrowed matrices) go to {@code arena}. */
    WeightBinder(Checkpoint checkpoint, Arena arena, Memory memory, LoadOptions options) {
        this.checkpoint = checkpoint;
        this.arena = arena;
        this.memory = memory;
        this.options = options;
        this.unused = new TreeSet<>(checkpoint.names());
        // 64-byte aligned outputs of spikert convert fill gaps with padding tensors that hold no weights
        this.unused.removeIf(n -> n.startsWith(AlignedSafetensors.PADDING_PREFIX));
        this.variant = ModelVariant.of(checkpoint);
    }

    @Override
    public ModelVariant variant() {
        return variant;
    }

    @Override
    public boolean contains(String name) {
        return checkpoint.contains(name);
    }

    @Override
    public float querySpikeK() {
        return variant == ModelVariant.W8ASPIKE ? options.spikeK() : 0f;
    }

    @Override
    public Matrix matrix(String name, int rows, int cols) throws CheckpointException {
        return memory.matrix(tensor(name, rows, cols));
    }

    @Override
    public WeightVector vector(String name, int n) throws CheckpointException {
        return memory.vector(name, floats(name, n));
    }

    /** Base: a dense linear; W8ASpike: a QuantLinear, whose input is spiked. */
    @Override
    public Projection projection(String prefix, int out, int in, boolean bias) throws CheckpointException {
        return variant == ModelVariant.W8ASPIKE ? spiking(prefix, out, in, bias) : linear(prefix, out, in, bias);
    }

    /** Base: gk_proj.1(gk_proj.0(h)) through rank 16; W8ASpike: one full-rank QuantLinear gk_proj. */
    @Override
    public Projection glaGate(String attn, int kvDim, int hidden) throws CheckpointException {
        if (variant == ModelVariant.W8ASPIKE) {
            return spiking(attn + "gk_proj", kvDim, hidden, true);
        }
        return new LowRankProjection(linear(attn + "gk_proj.0", ModelConfig.GATE_LOW_RANK, hidden, false),
                linear(attn + "gk_proj.1", kvDim, ModelConfig.GATE_LOW_RANK, true));
    }

    @Override
    public Projection down(String prefix, int out, int in) throws CheckpointException {
        return variant == ModelVariant.W8ASPIKE ? rawDownProjection(prefix, out, in) : linear(prefix, out, in, false);
    }

    @Override
    public Projection lmHead(int vocab, int hidden) throws CheckpointException {
        return variant == ModelVariant.W8ASPIKE ? narrowed("lm_head", vocab, hidden, "lm_head") : linear("lm_head", vocab, hidden, false);
    }

    /**
     * Checks that the checkpoint holds exactly layers 0 .. layers - 1 ({@code num_hidden_layers} of
     * config.json) before anything is sized by that number: a layer index in a tensor name at or above
     * it, or no tensor of the last layer, is refused naming config.json and the tensor or layer.
     */
    void requireLayerCount(int layers) throws CheckpointException {
        String prefix = "model.layers.";
        int highest = -1;
        for (String name : checkpoint.names()) {
            if (!name.startsWith(prefix)) {
                continue;
            }
            int end = name.indexOf('.', prefix.length());
            String digits = name.substring(prefix.length(), end < 0 ? name.length() : end);
            int index;
            try {
                index = digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)
                        ? -1 : Integer.parseInt(digits);
            } catch (NumberFormatException e) {
                index = -1;
            }
            if (index < 0 || index >= layers) {
                throw new CheckpointException(checkpoint.fileOf(name) + ": tensor " + name + " is not in a layer 0.."
                        + (layers - 1) + " of the " + layers + " that " + checkpoint.directory().resolve("config.json")
                        + " declares (num_hidden_layers)");
            }
            highest = Math.max(highest, index);
        }
        if (highest != layers - 1) {
            throw new CheckpointException(checkpoint.directory().resolve("config.json") + ": num_hidden_layers is " + layers
                    + " but the checkpoint in " + checkpoint.directory() + " holds "
                    + (highest < 0 ? "no layer tensors" : "layers 0.." + highest + " only"));
        }
    }

    /** A tensor of exactly {@code shape}; F16 matrices are widened to F32 once here so kernels see F32 or BF16 only. */
    Tensor tensor(String name, long... shape) throws CheckpointException {
        if (!checkpoint.contains(name)) {
            throw new CheckpointException(checkpoint.directory() + ": missing tensor " + name + " (expected shape "
                    + Arrays.toString(shape) + " in a " + variant + " checkpoint)");
        }
        Tensor t = checkpoint.tensor(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(checkpoint.fileOf(name) + ": tensor " + name + " has shape "
                    + Arrays.toString(t.shape()) + " but config.json implies " + Arrays.toString(shape));
        }
        if (!t.dtype().isFloatingPoint() || t.dtype() == DType.F64) {
            throw new CheckpointException(checkpoint.fileOf(name) + ": tensor " + name + " has dtype " + t.dtype()
                    + "; SpikingBrain weights are BF16, F16 or F32");
        }
        unused.remove(name);
        if (t.dtype() != DType.F16) {
            return t;
        }
        // widened once: a tied table is read again for its quantised head
        Tensor wide = widened.get(name);
        if (wide == null) {
            wide = widenToF32(t);
            widened.put(name, wide);
        }
        return wide;
    }

    /** A dense linear of a base model: as stored, or quantised at load where {@link LoadOptions#quantize} asks. */
    private Projection linear(String prefix, int out, int in, boolean bias) throws CheckpointException {
        String name = prefix + ".weight";
        Tensor w = tensor(name, out, in);
        if (options.quantize() != WeightQuantization.NONE) {
            if (QuantWeights.fits(in)) {
                QuantMatrix q = quantized(name, w, out, in);
                return new QuantizedLinear(q, bias(prefix, out, bias));
            }
            keptAsStored++;
        }
        Matrix m = memory.matrix(w);
        return new Linear(m, bias(prefix, out, bias));
    }

    /** {@code w} [out, in] quantised to the load's format; a NaN or infinite weight is refused naming the tensor. */
    private QuantMatrix quantized(String name, Tensor w, int out, int in) throws CheckpointException {
        WeightQuantization q = options.quantize();
        options.progress().accept("quantising " + name + " to " + q.label());
        QuantWeights codes;
        try {
            codes = QuantWeights.quantize(arena, w.data(), w.dtype() == DType.BF16, out, in, q.format());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(checkpoint.fileOf(name) + ": tensor " + name + ": " + e.getMessage(), e);
        }
        quantizedMatrices++;
        storedBytes += w.byteSize();
        quantizedBytes += codes.byteSize();
        return memory.quantized(name, codes);
    }

    /** With tied embeddings and quantisation, lm_head is a quantised copy of the table, which the lookup reads as stored. */
    @Override
    public Projection tiedLmHead(String name, Matrix embeddings, int vocab, int hidden) throws CheckpointException {
        if (options.quantize() == WeightQuantization.NONE || !QuantWeights.fits(hidden)) {
            return new Linear(embeddings, null);
        }
        return new QuantizedLinear(quantized(name, tensor(name, vocab, hidden), vocab, hidden), null);
    }

    /** What quantising at load did (NONE when it was not asked for). */
    QuantizationSummary quantizationSummary() {
        return options.quantize() == WeightQuantization.NONE ? QuantizationSummary.NONE
                : new QuantizationSummary(options.quantize(), quantizedMatrices, storedBytes, quantizedBytes, keptAsStored);
    }

    private WeightVector bias(String prefix, int out, boolean bias) throws CheckpointException {
        return bias ? vector(prefix + ".bias", out) : null;
    }

    /**
     * A W8ASpike QuantLinear: codes {@code rint(W / s)} per group of 128 inputs (no clamp), with its input
     * spiked at threshold factor {@code options.spikeK()}; integer or float fake-quantisation form.
     */
    private SpikingLinear spiking(String prefix, int out, int in, boolean bias) throws CheckpointException {
        if (PackedW8Reader.isPacked(checkpoint, prefix)) {
            return packed(prefix, out, in, bias);
        }
        Tensor w = tensor(prefix + ".weight", out, in);
        requireWholeGroups(prefix + ".weight", prefix, in);
        float[] scales = tensor(prefix + SCALES, out, in / GROUP, 1).toFloatArray();
        for (int i = 0; i < scales.length; i++) {
            if (!(scales[i] > 0) || Float.isInfinite(scales[i])) {
                throw new CheckpointException(checkpoint.fileOf(prefix + SCALES) + ": tensor " + prefix + SCALES
                        + " has a non-positive or non-finite scale " + scales[i] + " at row " + i / (in / GROUP)
                        + ", group " + i % (in / GROUP));
            }
        }
        WeightVector b = bias(prefix, out, bias);
        options.progress().accept("quantising " + prefix + " to INT8 codes");
        Tensor f32 = w.dtype() == DType.F32 ? w : widenToF32(w);
        if (options.integerSpikes()) {
            try {
                var codes = Int8Weights.quantize(arena, f32.data(), out, in, scales, options.int8BlockRows());
                return new SpikingLinear(memory.int8(prefix, codes), b, options.spikeK());
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(checkpoint.fileOf(prefix + ".weight") + ": tensor " + prefix + ".weight: "
                        + e.getMessage(), e);
            }
        }
        String weightName = prefix + ".weight";
        return fakeQuant(prefix, out, in, e -> {
            float s = scales[groupOf(e, in)];
            float q = (float) Math.rint(f32.getFloat(e) / s);
            if (!(Math.abs(q) <= Int8Weights.MAX_CODE)) { // the integer form's limit; NaN and infinities too
                throw new CheckpointException(checkpoint.fileOf(weightName) + ": tensor " + weightName + ": weight "
                        + f32.getFloat(e) + " at " + WeightScan.position(new long[] {out, in}, e) + " over scale " + s
                        + " gives code " + q + ", outside [-" + Int8Weights.MAX_CODE + ", " + Int8Weights.MAX_CODE + "]");
            }
            return (int) q;
        }, scales, b);
    }

    /** The code of flat weight element {@code e}, refused with the tensor named when it has none. */
    @FunctionalInterface
    private interface Codes {
        int of(long e) throws CheckpointException;
    }

    /** W8ASpike scales cover groups of 128 inputs: an input size that is no multiple of it is refused, naming {@code tensor}. */
    private void requireWholeGroups(String tensor, String prefix, int in) throws CheckpointException {
        if (in % GROUP != 0) {
            throw new CheckpointException(checkpoint.fileOf(tensor) + ": " + prefix + " has " + in
                    + " inputs, not a multiple of the quantisation group " + GROUP);
        }
    }

    /** Index into the [out, in / 128] scales of flat weight element {@code e}. */
    private static int groupOf(long e, int in) {
        return (int) ((e / in) * (in / GROUP) + (e % in) / GROUP);
    }

    /** The float twin: W' = code * scale held as F32, multiplied by the spike counts as small exact floats. */
    private SpikingLinear fakeQuant(String prefix, int out, int in, Codes code, float[] scales, WeightVector bias)
            throws CheckpointException {
        var seg = NativeMemory.allocate(arena, (long) out * in * 4);
        for (long e = 0; e < (long) out * in; e++) {
            seg.setAtIndex(F32, e, code.of(e) * scales[groupOf(e, in)]);
        }
        Tensor quantized = new Tensor(prefix + ".weight (quantised)", DType.F32, new long[] {out, in}, seg);
        return new SpikingLinear(memory.fakeQuantized(prefix, quantized), bias, options.spikeK());
    }

    /** A QuantLinear of the packed form written by {@code spikert convert --to packed}: INT8 codes plus exact outliers. */
    private SpikingLinear packed(String prefix, int out, int in, boolean bias) throws CheckpointException {
        requireWholeGroups(prefix + PackedFormat.CODES, prefix, in);
        WeightVector b = bias(prefix, out, bias);
        PackedW8Reader.tensorNames(prefix).forEach(unused::remove);
        if (options.integerSpikes()) {
            options.progress().accept("laying out the packed INT8 codes of " + prefix);
            var codes = PackedW8Reader.int8Weights(arena, checkpoint, prefix, out, in, options.int8BlockRows());
            return new SpikingLinear(memory.int8(prefix, codes), b, options.spikeK());
        }
        int[] codes = PackedW8Reader.codes(checkpoint, prefix, out, in);
        float[] scales = PackedW8Reader.scales(checkpoint, prefix, out, in);
        return fakeQuant(prefix, out, in, e -> codes[(int) e], scales, b);
    }

    /**
     * W8ASpike's MLP down_proj: raw weight, un-spiked input (MODEL.md section 4). Its stored scales are unused
     * by the math, but when every weight equals its code times that scale exactly (a fake-quantised export, or
     * the packed form of one) the weight is held as those INT8 codes; otherwise as in {@link #narrowed}.
     */
    private Projection rawDownProjection(String prefix, int out, int in) throws CheckpointException {
        if (PackedW8Reader.isPacked(checkpoint, prefix)) {
            requireWholeGroups(prefix + PackedFormat.CODES, prefix, in);
            PackedW8Reader.tensorNames(prefix).forEach(unused::remove);
            if (options.integerSpikes()) {
                options.progress().accept("laying out the packed INT8 codes of " + prefix);
                rawForms.merge("down_proj as exact INT8 codes (packed)", 1, Integer::sum);
                return new Int8Linear(memory.int8(prefix, PackedW8Reader.int8Weights(arena, checkpoint, prefix, out, in, options.int8BlockRows())));
            }
            int[] codes = PackedW8Reader.codes(checkpoint, prefix, out, in);
            float[] scales = PackedW8Reader.scales(checkpoint, prefix, out, in);
            var seg = NativeMemory.allocate(arena, (long) out * in * 4);
            for (long e = 0; e < (long) out * in; e++) {
                seg.setAtIndex(F32, e, codes[(int) e] * scales[groupOf(e, in)]);
            }
            rawForms.merge("down_proj F32 (from packed codes)", 1, Integer::sum);
            return new Linear(memory.matrix(new Tensor(prefix + ".weight", DType.F32, new long[] {out, in}, seg)), null);
        }
        Tensor w = tensor(prefix + ".weight", out, in);
        // unused by down_proj's math, but a NaN or infinity in them is a corrupt file all the same
        float[] scales = tensor(prefix + SCALES, out, in / GROUP, 1).toFloatArray();
        requireFinite(prefix + SCALES, scales);
        if (options.exactNarrowing() && options.integerSpikes() && w.dtype() != DType.BF16
                && ExactForms.codesExact(w, out, in, scales)) {
            options.progress().accept(prefix + ": raw weight is exactly code x scale, keeping INT8 codes");
            try {
                Tensor f32 = w.dtype() == DType.F32 ? w : widenToF32(w);
                rawForms.merge("down_proj as exact INT8 codes", 1, Integer::sum);
                return new Int8Linear(memory.int8(prefix, Int8Weights.quantize(arena, f32.data(), out, in, scales,
                        options.int8BlockRows())));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(checkpoint.fileOf(prefix + ".weight") + ": tensor " + prefix + ".weight: "
                        + e.getMessage(), e);
            }
        }
        return narrowed(prefix, w, "down_proj");
    }

    /**
     * A raw linear of a W8ASpike checkpoint (published as fp32): held as BF16 when every value is a BF16
     * value, so a token reads half the bytes for the same products; otherwise as it is stored.
     */
    private Linear narrowed(String prefix, int out, int in, String role) throws CheckpointException {
        return narrowed(prefix, tensor(prefix + ".weight", out, in), role);
    }

    private Linear narrowed(String prefix, Tensor w, String role) {
        if (options.exactNarrowing() && w.dtype() == DType.F32 && ExactForms.bf16Exact(w)) {
            options.progress().accept(prefix + ": raw fp32 weight holds BF16 values, keeping it as BF16");
            rawForms.merge(role + " as BF16 (exact)", 1, Integer::sum);
            return new Linear(memory.matrix(ExactForms.toBf16(arena, w)), null);
        }
        rawForms.merge(role + " as stored (" + w.dtype() + ")", 1, Integer::sum);
        return new Linear(memory.matrix(w), null);
    }

    /** The forms the raw W8ASpike matrices were kept in, e.g. {@code {down_proj as exact INT8 codes=28, lm_head as BF16 (exact)=1}}. */
    Map<String, Integer> rawForms() {
        return Map.copyOf(rawForms);
    }

    /** A norm weight or bias: small, read whole here, so a NaN or infinity in it is named now. */
    private float[] floats(String name, int n) throws CheckpointException {
        float[] v = tensor(name, n).toFloatArray();
        requireFinite(name, v);
        return v;
    }

    private void requireFinite(String name, float[] values) throws CheckpointException {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new CheckpointException(checkpoint.fileOf(name) + ": tensor " + name + " holds " + values[i]
                        + " at index " + i + "; weights must be finite");
            }
        }
    }

    /** Fails when the checkpoint holds tensors the model did not take: a sign of a wrong config or a different model. */
    void requireAllUsed() throws CheckpointException {
        if (!unused.isEmpty()) {
            var shown = unused.stream().limit(5).toList();
            throw new CheckpointException(checkpoint.directory() + ": " + unused.size() + " unexpected tensor(s) not used by a "
                    + ModelConfig.MODEL_TYPE + " model with this config.json, e.g. " + shown + " (in " + checkpoint.fileOf(shown.get(0)) + ")");
        }
    }

    /** The F32 copy of an F16 or BF16 tensor; the pass that copies it also refuses NaN and infinities, naming the first. */
    private Tensor widenToF32(Tensor t) throws CheckpointException {
        long n = t.elementCount();
        var seg = NativeMemory.allocate(arena, n * 4);
        for (long i = 0; i < n; i++) {
            float v = t.getFloat(i);
            if (!Float.isFinite(v)) {
                throw new CheckpointException(checkpoint.fileOf(t.name()) + ": tensor " + t.name() + " holds " + v + " at "
                        + WeightScan.position(t.shape(), i) + "; weights must be finite");
            }
            seg.setAtIndex(F32, i, v);
        }
        return new Tensor(t.name(), DType.F32, t.shape(), seg);
    }
}
