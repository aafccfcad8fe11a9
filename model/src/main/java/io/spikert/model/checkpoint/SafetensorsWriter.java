package io.spikert.model.checkpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a standard safetensors file. Tensors are declared up front (name, dtype, shape) and their bytes are
 * pulled from a {@link ByteSource} only while the file is written, so a multi-gigabyte checkpoint can be
 * produced chunk by chunk without holding it in memory. Tensors are laid out in the order they were added.
 */
public final class SafetensorsWriter {
    /** Supplies exactly the tensor's byte size, little-endian, row-major; the writer checks the count. */
    @FunctionalInterface
    public interface ByteSource {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private record Pending(String name, DType dtype, long[] shape, long byteSize, ByteSource source) {
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** Adds a {@code __metadata__} entry (string to string, as the format requires). */
    public SafetensorsWriter putMetadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return this;
    }

    /** Adds a tensor whose bytes are copied from {@code data} when the file is written. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, MemorySegment data) {
        long expected = byteSize(name, dtype, shape);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes for shape "
                    + Arrays.toString(shape) + " of " + dtype + " (expected " + expected + ")");
        }
        return add(name, dtype, shape, out -> writeSegment(data, out));
    }

    public SafetensorsWriter add(Tensor tensor) {
        return add(tensor.name(), tensor.dtype(), tensor.shape(), tensor.data());
    }

    /** Adds a tensor whose bytes {@code source} streams when the file is written. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, ByteSource source) {
        Objects.requireNonNull(source);
        long size = byteSize(name, dtype, shape);
        if (!names.add(name)) {
            throw new IllegalArgumentException("tensor " + name + " added twice");
        }
        pending.add(new Pending(name, dtype, shape.clone(), size, source));
        return this;
    }

    private static long byteSize(String name, DType dtype, long[] shape) {
        Objects.requireNonNull(name);
        Objects.requireNonNull(dtype);
        if (name.isEmpty() || name.equals(SafetensorsFile.METADATA_KEY)) {
            throw new IllegalArgumentException("invalid tensor name '" + name + "'");
        }
        try {
            return Math.multiplyExact(Tensor.elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor " + name + ": byte size of " + Arrays.toString(shape) + " overflows");
        }
    }

    /** Writes the file, replacing any existing one. */
    public void write(Path file) throws IOException {
        byte[] header = header();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            for (Pending p : pending) {
                CountingChannel counted = new CountingChannel(ch, p.name, p.byteSize);
                p.source.writeTo(counted);
                if (counted.written != p.byteSize) {
                    throw new IOException("tensor " + p.name + ": source wrote " + counted.written + " bytes, expected "
                            + p.byteSize + " (writing " + file + ")");
                }
            }
        }
    }

    /** The header JSON, padded with spaces so the data section starts 8-byte aligned. */
    private byte[] header() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject(SafetensorsFile.METADATA_KEY);
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Pending p : pending) {
            ObjectNode e = root.putObject(p.name);
            e.put("dtype", p.dtype.safetensorsName());
            ArrayNode shape = e.putArray("shape");
            for (long d : p.shape) {
                shape.add(d);
            }
            long end = Math.addExact(offset, p.byteSize);
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static void writeSegment(MemorySegment data, WritableByteChannel out) throws IOException {
        // A ByteBuffer view holds at most 2 GiB, so large segments go in chunks.
        final long chunk = 1L << 30;
        for (long pos = 0; pos < data.byteSize(); pos += chunk) {
            long n = Math.min(chunk, data.byteSize() - pos);
            writeFully(out, data.asSlice(pos, n).asByteBuffer());
        }
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Stops a source that writes past its tensor before it corrupts the next one. */
    private static final class CountingChannel implements WritableByteChannel {
        private final WritableByteChannel target;
        private final String name;
        private final long limit;
        long written;

        CountingChannel(WritableByteChannel target, String name, long limit) {
            this.target = target;
            this.name = name;
            this.limit = limit;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (written + src.remaining() > limit) {
                throw new IOException("tensor " + name + ": source wrote more than its " + limit + " bytes");
            }
            int n = target.write(src);
            written += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return target.isOpen();
        }

        @Override
        public void close() {
            // the file channel belongs to the writer, not to the source
        }
    }
}
