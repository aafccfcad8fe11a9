package io.spikert.model.checkpoint;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A zip writer that forces every ZIP64 structure, as torch's writer does for multi-gigabyte shards:
 * 0xFFFFFFFF size and offset sentinels with ZIP64 extra fields, a ZIP64 end record and locator, and
 * torch's "FB" padding extra that aligns each entry's data to 64 bytes.
 */
final class Zip64Writer {
    private Zip64Writer() {
    }

    static byte[] write(Map<String, byte[]> entries) {
        Out out = new Out();
        List<long[]> offsets = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] data = e.getValue();
            long localOffset = out.size();
            int headerEnd = 30 + name.length + 20 + 4;
            int pad = (int) ((64 - (localOffset + headerEnd) % 64) % 64);
            out.u32(0x04034b50).u16(45).u16(0x0800).u16(0).u16(0).u16(0).u32(crc(data))
                    .u32(0xFFFFFFFFL).u32(0xFFFFFFFFL).u16(name.length).u16(20 + 4 + pad).bytes(name);
            out.u16(1).u16(16).u64(data.length).u64(data.length);
            out.u16(0x4246).u16(pad).bytes(new byte[pad]);
            out.bytes(data);
            offsets.add(new long[]{localOffset, crc(data), data.length});
        }
        long cdOffset = out.size();
        int i = 0;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            long[] o = offsets.get(i++);
            out.u32(0x02014b50).u16(45).u16(45).u16(0x0800).u16(0).u16(0).u16(0).u32(o[1])
                    .u32(0xFFFFFFFFL).u32(0xFFFFFFFFL).u16(name.length).u16(28).u16(0).u16(0).u16(0).u32(0)
                    .u32(0xFFFFFFFFL).bytes(name);
            out.u16(1).u16(24).u64(o[2]).u64(o[2]).u64(o[0]);
        }
        long cdSize = out.size() - cdOffset;
        long zip64End = out.size();
        out.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0)
                .u64(entries.size()).u64(entries.size()).u64(cdSize).u64(cdOffset);
        out.u32(0x07064b50).u32(0).u64(zip64End).u32(1);
        out.u32(0x06054b50).u16(0).u16(0).u16(0xFFFF).u16(0xFFFF).u32(0xFFFFFFFFL).u32(0xFFFFFFFFL).u16(0);
        return out.toByteArray();
    }

    private static long crc(byte[] data) {
        CRC32 c = new CRC32();
        c.update(data);
        return c.getValue();
    }

    private static final class Out extends ByteArrayOutputStream {
        Out le(long v, int n) {
            for (int k = 0; k < n; k++) {
                write((int) (v >>> (8 * k)) & 0xFF);
            }
            return this;
        }

        Out u16(long v) {
            return le(v, 2);
        }

        Out u32(long v) {
            return le(v, 4);
        }

        Out u64(long v) {
            return le(v, 8);
        }

        Out bytes(byte[] b) {
            writeBytes(b);
            return this;
        }
    }
}
