package io.spikert.model.checkpoint;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/**
 * The central directory of a ZIP archive held in a mapped segment, enough to slice STORED entries in place.
 * java.util.zip cannot give the file offset of an entry's data, which zero-copy mapping needs.
 * Supports ZIP64 (end-of-central-directory record and per-entry extra fields); CRCs are not verified because
 * that would read every byte of a multi-gigabyte checkpoint at open.
 */
final class ZipArchive {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final int EOCD_SIG = 0x06054b50;
    private static final int EOCD_SIZE = 22;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int ZIP64_LOCATOR_SIZE = 20;
    private static final int ZIP64_EOCD_SIG = 0x06064b50;
    private static final int CENTRAL_SIG = 0x02014b50;
    private static final int CENTRAL_SIZE = 46;
    private static final int LOCAL_SIG = 0x04034b50;
    private static final int LOCAL_SIZE = 30;
    private static final int ZIP64_EXTRA_ID = 0x0001;
    private static final int MAX_COMMENT = 0xFFFF;

    static final int STORED = 0;

    /** One entry; {@code dataOffset} is where its (possibly compressed) bytes start in the file. */
    record Entry(String name, int method, int flags, long compressedSize, long size, long dataOffset) {
    }

    private final Path path;
    private final MemorySegment file;
    private final SequencedMap<String, Entry> entries;

    private ZipArchive(Path path, MemorySegment file, SequencedMap<String, Entry> entries) {
        this.path = path;
        this.file = file;
        this.entries = entries;
    }

    SequencedMap<String, Entry> entries() {
        return entries;
    }

    boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The bytes of a STORED entry, sliced from the mapping; a missing or compressed entry is an error. */
    MemorySegment data(String name) throws CheckpointException {
        Entry e = entries.get(name);
        if (e == null) {
            throw CheckpointException.inFile(path, "zip entry " + name + " is missing");
        }
        if ((e.flags & 1) != 0) {
            throw CheckpointException.inFile(path, "zip entry " + name + " is encrypted");
        }
        if (e.method != STORED) {
            throw CheckpointException.inFile(path, "zip entry " + name + " is compressed (method " + e.method
                    + "); only STORED entries can be mapped in place, as torch.save writes them");
        }
        if (e.compressedSize != e.size) {
            throw CheckpointException.inFile(path, "zip entry " + name + " is STORED but its sizes differ ("
                    + e.compressedSize + " vs " + e.size + ")");
        }
        return file.asSlice(e.dataOffset, e.size);
    }

    static ZipArchive read(Path path, MemorySegment file) throws CheckpointException {
        long eocd = findEndRecord(path, file);
        int disk = u16(file, eocd + 4);
        int cdDisk = u16(file, eocd + 6);
        long count = u16(file, eocd + 10);
        long cdSize = u32(file, eocd + 12);
        long cdOffset = u32(file, eocd + 16);
        long cdLimit = eocd; // the central directory must end before the record that describes it

        long locator = eocd - ZIP64_LOCATOR_SIZE;
        if (locator >= 0 && file.get(U32, locator) == ZIP64_LOCATOR_SIG) {
            long z = file.get(U64, locator + 8);
            if (z < 0 || z > locator - 56) {
                throw CheckpointException.inFile(path, "ZIP64 end-of-central-directory offset " + Long.toUnsignedString(z)
                        + " lies outside the file");
            }
            if (file.get(U32, z) != ZIP64_EOCD_SIG) {
                throw CheckpointException.inFile(path, "no ZIP64 end-of-central-directory record at offset " + z);
            }
            disk = file.get(U32, z + 16);
            cdDisk = file.get(U32, z + 20);
            count = file.get(U64, z + 32);
            cdSize = file.get(U64, z + 40);
            cdOffset = file.get(U64, z + 48);
            cdLimit = z;
        } else if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            throw CheckpointException.inFile(path, "end-of-central-directory record asks for ZIP64 but there is no ZIP64 locator");
        }
        if (disk != 0 || cdDisk != 0) {
            throw CheckpointException.inFile(path, "multi-disk zip archives are not supported");
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > cdLimit || cdSize > cdLimit - cdOffset) {
            throw CheckpointException.inFile(path, "truncated central directory: offset " + Long.toUnsignedString(cdOffset)
                    + " size " + Long.toUnsignedString(cdSize) + " do not fit before byte " + cdLimit);
        }
        if (count < 0 || count > cdSize / CENTRAL_SIZE) {
            throw CheckpointException.inFile(path, "truncated central directory: " + Long.toUnsignedString(count)
                    + " entries cannot fit in " + cdSize + " bytes");
        }

        SequencedMap<String, Entry> entries = new LinkedHashMap<>();
        long p = cdOffset;
        long end = cdOffset + cdSize;
        for (long i = 0; i < count; i++) {
            if (end - p < CENTRAL_SIZE || file.get(U32, p) != CENTRAL_SIG) {
                throw CheckpointException.inFile(path, "truncated central directory: entry " + i + " of " + count
                        + " at offset " + p + " is not a central directory header");
            }
            int flags = u16(file, p + 8);
            int method = u16(file, p + 10);
            long csize = u32(file, p + 20);
            long usize = u32(file, p + 24);
            int nameLen = u16(file, p + 28);
            int extraLen = u16(file, p + 30);
            int commentLen = u16(file, p + 32);
            long localOffset = u32(file, p + 42);
            long varLen = (long) nameLen + extraLen + commentLen;
            if (end - p - CENTRAL_SIZE < varLen) {
                throw CheckpointException.inFile(path, "truncated central directory: entry " + i + " runs past its end");
            }
            String name = new String(file.asSlice(p + CENTRAL_SIZE, nameLen).toArray(ValueLayout.JAVA_BYTE),
                    StandardCharsets.UTF_8);

            // ZIP64 extra: 64-bit values appear only for fields whose 32-bit slot holds the 0xFFFFFFFF sentinel, in this order.
            long extra = p + CENTRAL_SIZE + nameLen;
            long extraEnd = extra + extraLen;
            while (extraEnd - extra >= 4) {
                int id = u16(file, extra);
                int len = u16(file, extra + 2);
                long body = extra + 4;
                if (len > extraEnd - body) {
                    throw CheckpointException.inFile(path, "zip entry " + name + ": extra field runs past its end");
                }
                if (id == ZIP64_EXTRA_ID) {
                    long q = body;
                    long qEnd = body + len;
                    if (usize == 0xFFFFFFFFL) {
                        usize = zip64Field(path, file, name, q, qEnd);
                        q += 8;
                    }
                    if (csize == 0xFFFFFFFFL) {
                        csize = zip64Field(path, file, name, q, qEnd);
                        q += 8;
                    }
                    if (localOffset == 0xFFFFFFFFL) {
                        localOffset = zip64Field(path, file, name, q, qEnd);
                    }
                }
                extra = body + len;
            }
            if (usize < 0 || csize < 0 || localOffset < 0) {
                throw CheckpointException.inFile(path, "zip entry " + name + ": size or offset above 2^63");
            }

            if (localOffset > cdOffset - LOCAL_SIZE || file.get(U32, localOffset) != LOCAL_SIG) {
                throw CheckpointException.inFile(path, "zip entry " + name + ": local header offset " + localOffset
                        + " is outside the file's entry area or has no local header");
            }
            long dataOffset = localOffset + LOCAL_SIZE + u16(file, localOffset + 26) + u16(file, localOffset + 28);
            if (dataOffset > cdOffset || csize > cdOffset - dataOffset) {
                throw CheckpointException.inFile(path, "zip entry " + name + ": data (offset " + dataOffset + ", "
                        + csize + " bytes) lies outside the file's entry area (ends at " + cdOffset + ")");
            }
            if (entries.putIfAbsent(name, new Entry(name, method, flags, csize, usize, dataOffset)) != null) {
                throw CheckpointException.inFile(path, "zip entry " + name + " appears twice");
            }
            p += CENTRAL_SIZE + varLen;
        }
        return new ZipArchive(path, file, Collections.unmodifiableSequencedMap(entries));
    }

    private static long zip64Field(Path path, MemorySegment file, String name, long at, long end) throws CheckpointException {
        if (end - at < 8) {
            throw CheckpointException.inFile(path, "zip entry " + name + ": ZIP64 extra field is too short");
        }
        return file.get(U64, at);
    }

    /** The EOCD sits at the end, before a comment of up to 64 KiB; the last signature whose comment length fits wins. */
    private static long findEndRecord(Path path, MemorySegment file) throws CheckpointException {
        long size = file.byteSize();
        long lowest = Math.max(0, size - EOCD_SIZE - MAX_COMMENT);
        for (long p = size - EOCD_SIZE; p >= lowest; p--) {
            if (file.get(U32, p) == EOCD_SIG && p + EOCD_SIZE + u16(file, p + 20) == size) {
                return p;
            }
        }
        throw CheckpointException.inFile(path, "not a zip archive: no end-of-central-directory record");
    }

    private static int u16(MemorySegment s, long at) {
        return s.get(U16, at) & 0xFFFF;
    }

    private static long u32(MemorySegment s, long at) {
        return s.get(U32, at) & 0xFFFFFFFFL;
    }
}
