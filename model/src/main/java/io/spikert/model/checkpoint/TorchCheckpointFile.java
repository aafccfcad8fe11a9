package io.spikert.model.checkpoint;

import io.spikert.model.checkpoint.TorchPickleResolver.StorageRef;
import io.spikert.model.checkpoint.TorchPickleResolver.TensorRef;
import io.spikert.runtime.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * One PyTorch {@code .bin} written by {@code torch.save} (zip format, torch >= 1.6): {@code <prefix>/data.pkl}
 * is a pickled dict of tensors whose storages are the raw little-endian entries {@code <prefix>/data/<key>}.
 * The file is mapped read-only and every tensor is a slice of its storage's entry; nothing is copied
 * except the small pickle. Only dense, contiguous CPU-layout tensors are accepted.
 */
public final class TorchCheckpointFile implements TensorFile {
    /** A state dict pickle is kilobytes; this bounds the one copy we make. */
    static final long MAX_PICKLE_BYTES = 256L * 1024 * 1024;
    private static final String PICKLE_NAME = "data.pkl";

    private final Path path;
    private final String prefix;
    private final SequencedMap<String, Tensor> tensors;

    private TorchCheckpointFile(Path path, String prefix, SequencedMap<String, Tensor> tensors) {
        this.path = path;
        this.prefix = prefix;
        this.tensors = tensors;
    }

    /** Maps and validates {@code file}; the mapping is released when {@code arena} closes. */
    public static TorchCheckpointFile open(Path file, Arena arena) throws CheckpointException {
        MemorySegment mapped = SafetensorsFile.map(file, arena);
        try {
            return parse(file, mapped);
        } catch (ArithmeticException | IndexOutOfBoundsException e) {
            throw CheckpointException.inFile(file, "malformed torch checkpoint: " + e.getMessage());
        }
    }

    private static TorchCheckpointFile parse(Path file, MemorySegment mapped) throws CheckpointException {
        if (mapped.byteSize() >= 2 && (mapped.get(ValueLayout.JAVA_BYTE, 0) & 0xFF) == 0x80) {
            throw CheckpointException.inFile(file, "legacy (pre-zip, torch < 1.6) serialization is not supported;"
                    + " re-save with a current torch.save");
        }
        ZipArchive zip = ZipArchive.read(file, mapped);
        String prefix = findPrefix(file, zip);
        String pickleName = prefix + PICKLE_NAME;
        checkByteOrder(file, zip, prefix);

        MemorySegment pickle = zip.data(pickleName);
        if (pickle.byteSize() > MAX_PICKLE_BYTES) {
            throw CheckpointException.inFile(file, pickleName + " is " + pickle.byteSize() + " bytes, over the limit of "
                    + MAX_PICKLE_BYTES);
        }
        Object root = PickleReader.read(file + " entry " + pickleName, pickle.toArray(ValueLayout.JAVA_BYTE),
                new TorchPickleResolver());
        if (!(root instanceof Map<?, ?> dict)) {
            throw CheckpointException.inFile(file, pickleName + " holds " + PickleReader.describe(root)
                    + ", not a state dict of tensors");
        }
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw CheckpointException.inFile(file, "state dict key " + PickleReader.describe(e.getKey()) + " is not a string");
            }
            if (!(e.getValue() instanceof TensorRef ref)) {
                throw CheckpointException.inTensor(file, name, "value is " + PickleReader.describe(e.getValue()) + ", not a tensor");
            }
            tensors.put(name, slice(file, zip, prefix, name, ref));
        }
        return new TorchCheckpointFile(file, prefix, Collections.unmodifiableSequencedMap(tensors));
    }

    /** The archive folder is named by whoever saved it ("archive/" today, the file stem in older torch). */
    private static String findPrefix(Path file, ZipArchive zip) throws CheckpointException {
        String found = null;
        for (String name : zip.entries().keySet()) {
            if (name.endsWith("/" + PICKLE_NAME) && name.indexOf('/') == name.length() - PICKLE_NAME.length() - 1) {
                if (found != null) {
                    throw CheckpointException.inFile(file, "two pickles in one archive: " + found + PICKLE_NAME + " and " + name);
                }
                found = name.substring(0, name.length() - PICKLE_NAME.length());
            }
        }
        if (found == null) {
            throw CheckpointException.inFile(file, "zip archive has no <folder>/" + PICKLE_NAME + " entry; not a torch.save file");
        }
        return found;
    }

    private static void checkByteOrder(Path file, ZipArchive zip, String prefix) throws CheckpointException {
        String name = prefix + "byteorder";
        if (zip.contains(name)) {
            MemorySegment b = zip.data(name);
            String order = b.byteSize() <= 16 ? new String(b.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII) : "?";
            if (!order.equals("little")) {
                throw CheckpointException.inFile(file, "tensors were saved in byte order '" + order + "'; only little is supported");
            }
        }
    }

    private static Tensor slice(Path file, ZipArchive zip, String prefix, String name, TensorRef ref) throws CheckpointException {
        StorageRef s = ref.storage();
        String entry = prefix + "data/" + s.key();
        if (!zip.contains(entry)) {
            throw CheckpointException.inTensor(file, name, "storage entry " + entry + " is missing from the archive");
        }
        MemorySegment storage = zip.data(entry);
        int elem = s.dtype().byteSize();
        long storageBytes = multiply(file, name, s.numel(), elem);
        if (storage.byteSize() != storageBytes) {
            throw CheckpointException.inTensor(file, name, "storage " + entry + " has " + storage.byteSize()
                    + " bytes but the pickle declares " + s.numel() + " " + s.dtype() + " elements");
        }
        long numel = 1;
        for (long d : ref.size()) {
            numel = multiply(file, name, numel, d);
        }
        if (!isContiguous(ref.size(), ref.stride())) {
            throw CheckpointException.inTensor(file, name, "not contiguous: size " + Arrays.toString(ref.size())
                    + " stride " + Arrays.toString(ref.stride()) + "; save tensors with .contiguous()");
        }
        if (ref.storageOffset() > s.numel() || numel > s.numel() - ref.storageOffset()) {
            throw CheckpointException.inTensor(file, name, "elements [" + ref.storageOffset() + ", +" + numel
                    + ") lie outside storage " + entry + " of " + s.numel() + " elements");
        }
        MemorySegment data = storage.asSlice(ref.storageOffset() * elem, numel * elem);
        return new Tensor(name, s.dtype(), ref.size(), data);
    }

    /** Row-major with torch's rule that a dimension of size 1 may have any stride, and empty tensors always qualify. */
    static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] == 0) {
                return true;
            }
            if (size[i] != 1) {
                if (stride[i] != expected) {
                    return false;
                }
                expected *= size[i];
            }
        }
        return true;
    }

    private static long multiply(Path file, String name, long a, long b) throws CheckpointException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw CheckpointException.inTensor(file, name, "element or byte count overflows a long");
        }
    }

    @Override
    public Path path() {
        return path;
    }

    /** The archive folder, with its trailing slash, e.g. {@code "archive/"}. */
    public String prefix() {
        return prefix;
    }

    @Override
    public SequencedMap<String, Tensor> tensors() {
        return tensors;
    }
}
