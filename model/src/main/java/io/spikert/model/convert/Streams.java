package io.spikert.model.convert;

import io.spikert.model.checkpoint.SafetensorsWriter.ByteSource;
import io.spikert.runtime.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/** Byte producers for {@link OutputTensor}: elements computed one at a time into a 1 MiB little-endian buffer. */
final class Streams {
    private static final int BUFFER = 1 << 20;

    private Streams() {
    }

    @FunctionalInterface
    interface FloatAt {
        float at(long i) throws IOException;
    }

    @FunctionalInterface
    interface IntAt {
        int at(long i) throws IOException;
    }

    /** The raw bytes of {@code t}, unchanged. */
    static ByteSource copy(Tensor t) {
        return out -> {
            final long chunk = 1L << 26;
            for (long pos = 0; pos < t.byteSize(); pos += chunk) {
                ByteBuffer b = t.data().asSlice(pos, Math.min(chunk, t.byteSize() - pos)).asByteBuffer();
                while (b.hasRemaining()) {
                    out.write(b);
                }
            }
        };
    }

    /** An F32 tensor that holds only BF16 values, as BF16: the high half of each float. */
    static ByteSource bf16(Tensor f32) {
        return ints(f32.elementCount(), 2, i -> Float.floatToRawIntBits(f32.getFloat(i)) >>> 16);
    }

    static ByteSource f32(long n, FloatAt f) {
        return out -> {
            ByteBuffer buf = buffer();
            for (long i = 0; i < n; i++) {
                if (buf.remaining() < 4) {
                    drain(buf, out);
                }
                buf.putFloat(f.at(i));
            }
            drain(buf, out);
        };
    }

    /** {@code width} bytes per element: 1 (I8), 2 (I16) or 4 (I32); values must fit. */
    static ByteSource ints(long n, int width, IntAt f) {
        return out -> {
            ByteBuffer buf = buffer();
            for (long i = 0; i < n; i++) {
                if (buf.remaining() < width) {
                    drain(buf, out);
                }
                int v = f.at(i);
                switch (width) {
                    case 1 -> buf.put((byte) v);
                    case 2 -> buf.putShort((short) v);
                    case 4 -> buf.putInt(v);
                    default -> throw new IllegalArgumentException("width " + width);
                }
            }
            drain(buf, out);
        };
    }

    private static ByteBuffer buffer() {
        return ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void drain(ByteBuffer buf, WritableByteChannel out) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            out.write(buf);
        }
        buf.clear();
    }
}
