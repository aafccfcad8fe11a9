package io.spikert.model;

import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.checkpoint.SafetensorsWriter;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Mutated copies of test checkpoints: every tensor copied into writable memory, edited, written as one model.safetensors. */
final class CheckpointEdits {
    private CheckpointEdits() {
    }

    /**
     * Copies config.json and the tensors of {@code src} into {@code dst}; {@code edit} sees each tensor as a
     * writable copy and returns it (changed in place or not), a replacement, or null to drop it.
     */
    static Path copy(Path src, Path dst, UnaryOperator<Tensor> edit) throws IOException {
        return copyAdding(src, dst, edit);
    }

    /** As {@link #copy} unchanged, with the tensors {@code extra} added. */
    static Path copyAdding(Path src, Path dst, Tensor... extra) throws IOException {
        return copyAdding(src, dst, t -> t, extra);
    }

    private static Path copyAdding(Path src, Path dst, UnaryOperator<Tensor> edit, Tensor... extra) throws IOException {
        Files.createDirectories(dst);
        Files.copy(src.resolve("config.json"), dst.resolve("config.json"));
        try (var ckpt = Checkpoints.open(src); var arena = Arena.ofConfined()) {
            var writer = new SafetensorsWriter();
            for (String n : ckpt.names()) {
                Tensor t = ckpt.tensor(n);
                var data = arena.allocate(Math.max(1, t.byteSize())).asSlice(0, t.byteSize()).copyFrom(t.data());
                Tensor edited = edit.apply(new Tensor(n, t.dtype(), t.shape(), data));
                if (edited != null) {
                    writer.add(edited);
                }
            }
            for (Tensor t : extra) {
                writer.add(t);
            }
            writer.write(dst.resolve("model.safetensors"));
        }
        return dst;
    }

    /** Sets element {@code i} of a floating-point tensor (BF16 and F16 rounded from {@code v}). */
    static Tensor set(Tensor t, long i, float v) {
        var le = ByteOrder.LITTLE_ENDIAN;
        switch (t.dtype()) {
            case F32 -> t.data().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), i, v);
            case BF16 -> t.data().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), i,
                    (short) (Float.floatToRawIntBits(v) >>> 16));
            case F16 -> t.data().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), i, Float.floatToFloat16(v));
            default -> throw new IllegalArgumentException(t.dtype() + " is not floating point");
        }
        return t;
    }

    /** An F16 copy of a floating-point tensor. */
    static Tensor toF16(Tensor t) {
        Tensor h = new Tensor(t.name(), DType.F16, t.shape(), Arena.ofAuto().allocate(t.elementCount() * 2));
        for (long i = 0; i < t.elementCount(); i++) {
            set(h, i, t.getFloat(i));
        }
        return h;
    }
}
