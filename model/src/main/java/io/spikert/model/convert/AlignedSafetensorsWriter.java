package io.spikert.model.convert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.runtime.DType;

import java.io.IOException;
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
import java.util.function.LongConsumer;

import static io.spikert.model.checkpoint.AlignedSafetensors.ALIGNMENT;
import static io.spikert.model.checkpoint.AlignedSafetensors.PADDING_PREFIX;

/**
 * Writes a standard safetensors file in which every tensor's data starts at a file offset that is a multiple
 * of {@value io.spikert.model.checkpoint.AlignedSafetensors#ALIGNMENT}, so a reader can map it and hand out
 * slices with no copy.
 *
 * <p>The safetensors specification requires the data section to be fully indexed, with no holes (the
 * reference Rust reader rejects a gap between one tensor's end and the next one's begin). So alignment comes
 * from three things: the header JSON is padded with trailing spaces (which the specification allows) until the
 * data section starts on a 64-byte boundary; tensors whose size is a multiple of 64 bytes (every tensor of
 * the 7B model) go first, in the given order, and stay aligned; each remaining tensor but the last is followed
 * by a small {@code __padding_N} U8 tensor that fills up to the next boundary. Any safetensors reader reads
 * the file; a model loader must skip the
 * {@link io.spikert.model.checkpoint.AlignedSafetensors#PADDING_PREFIX} tensors.
 */
public final class AlignedSafetensorsWriter {
    /** One placed tensor: offsets relative to the data section, as in the header. */
    public record Placed(OutputTensor tensor, long begin, long end, boolean padding) {
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<OutputTensor> tensors = new ArrayList<>();
    private final HashSet<String> names = new HashSet<>();

    public AlignedSafetensorsWriter putMetadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public AlignedSafetensorsWriter add(OutputTensor t) {
        if (t.name().isEmpty() || t.name().equals("__metadata__") || t.name().startsWith(PADDING_PREFIX)) {
            throw new IllegalArgumentException("invalid tensor name '" + t.name() + "'");
        }
        if (!names.add(t.name())) {
            throw new IllegalArgumentException("tensor " + t.name() + " added twice");
        }
        tensors.add(t);
        return this;
    }

    /** The tensors in file order, padding included. */
    public List<Placed> layout() {
        List<OutputTensor> aligned = new ArrayList<>();
        List<OutputTensor> ragged = new ArrayList<>();
        for (OutputTensor t : tensors) {
            (t.byteSize() % ALIGNMENT == 0 ? aligned : ragged).add(t);
        }
        List<Placed> out = new ArrayList<>();
        long offset = 0;
        for (OutputTensor t : aligned) {
            out.add(new Placed(t, offset, offset + t.byteSize(), false));
            offset += t.byteSize();
        }
        int pads = 0;
        for (int i = 0; i < ragged.size(); i++) {
            OutputTensor t = ragged.get(i);
            out.add(new Placed(t, offset, offset + t.byteSize(), false));
            offset += t.byteSize();
            long fill = (ALIGNMENT - offset % ALIGNMENT) % ALIGNMENT;
            if (fill > 0 && i + 1 < ragged.size()) {
                int n = (int) fill;
                OutputTensor pad = new OutputTensor(PADDING_PREFIX + pads++, DType.U8, new long[] {n},
                        ch -> ch.write(ByteBuffer.allocate(n)));
                out.add(new Placed(pad, offset, offset + n, true));
                offset += n;
            }
        }
        return out;
    }

    /** The header bytes (JSON padded with spaces so that 8 + length is a multiple of 64). */
    public byte[] header() {
        ObjectNode root = new ObjectMapper().createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        for (Placed p : layout()) {
            ObjectNode e = root.putObject(p.tensor().name());
            e.put("dtype", p.tensor().dtype().safetensorsName());
            ArrayNode shape = e.putArray("shape");
            for (long d : p.tensor().shape()) {
                shape.add(d);
            }
            e.putArray("data_offsets").add(p.begin()).add(p.end());
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (int) (((json.length + 8L + ALIGNMENT - 1) / ALIGNMENT) * ALIGNMENT - 8);
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** Header plus data bytes: the file's size. */
    public long fileSize() {
        List<Placed> l = layout();
        return 8L + header().length + (l.isEmpty() ? 0 : l.getLast().end());
    }

    /** Writes the file; {@code progress} receives the running count of data bytes written. */
    public void write(Path file, LongConsumer progress) throws IOException {
        byte[] header = header();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            long[] done = {0};
            for (Placed p : layout()) {
                long before = done[0];
                WritableByteChannel counted = new WritableByteChannel() {
                    @Override
                    public int write(ByteBuffer src) throws IOException {
                        if (done[0] - before + src.remaining() > p.tensor().byteSize()) {
                            throw new IOException("tensor " + p.tensor().name() + ": producer wrote more than its "
                                    + p.tensor().byteSize() + " bytes");
                        }
                        int n = src.remaining();
                        writeFully(ch, src);
                        done[0] += n;
                        progress.accept(done[0]);
                        return n;
                    }

                    @Override
                    public boolean isOpen() {
                        return true;
                    }

                    @Override
                    public void close() {
                    }
                };
                p.tensor().bytes().writeTo(counted);
                if (done[0] - before != p.tensor().byteSize()) {
                    throw new IOException("tensor " + p.tensor().name() + ": producer wrote " + (done[0] - before)
                            + " bytes, expected " + p.tensor().byteSize() + " (writing " + file + ")");
                }
            }
            ch.force(false);
        }
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
