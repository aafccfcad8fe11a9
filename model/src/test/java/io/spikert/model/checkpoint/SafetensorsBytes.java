package io.spikert.model.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-built safetensors files for corruption tests, independent of SafetensorsWriter. */
final class SafetensorsBytes {
    private SafetensorsBytes() {
    }

    static Path write(Path file, String headerJson, int dataBytes) throws IOException {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        return write(file, h.length, h, dataBytes);
    }

    static Path write(Path file, long declaredHeaderLength, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredHeaderLength).put(header);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) i);
        }
        Files.write(file, b.array());
        return file;
    }
}
