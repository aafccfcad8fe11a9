package io.spikert.model.checkpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds a torch.save-style .bin in a test: a zip of STORED entries {@code <prefix>data.pkl},
 * {@code <prefix>byteorder}, {@code <prefix>data/<key>} and {@code <prefix>version}, with a protocol-2 pickle
 * laid out as torch.save writes a state dict (see {@link #pickle()}).
 */
final class TorchBinBuilder {
    record Storage(String type, int elementSize, byte[] data) {
    }

    record TensorSpec(String name, String key, long offset, long[] size, long[] stride) {
    }

    private final Map<String, Storage> storages = new LinkedHashMap<>();
    private final List<TensorSpec> tensors = new ArrayList<>();
    String prefix = "archive/";
    boolean orderedDict;
    byte[] pickleOverride;
    final Set<String> omit = new java.util.HashSet<>();
    final Set<String> deflate = new java.util.HashSet<>();
    final Map<String, byte[]> extraEntries = new LinkedHashMap<>();

    TorchBinBuilder storage(String key, String type, int elementSize, byte[] data) {
        storages.put(key, new Storage(type, elementSize, data));
        return this;
    }

    TorchBinBuilder tensor(String name, String key, long offset, long[] size, long[] stride) {
        tensors.add(new TensorSpec(name, key, offset, size, stride));
        return this;
    }

    /** A contiguous tensor that is all of its own storage. */
    TorchBinBuilder tensor(String name, String type, int elementSize, byte[] data, long... size) {
        String key = String.valueOf(storages.size());
        storage(key, type, elementSize, data);
        return tensor(name, key, 0, size, rowMajorStride(size));
    }

    static long[] rowMajorStride(long[] size) {
        long[] stride = new long[size.length];
        long s = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            stride[i] = s;
            s *= size[i];
        }
        return stride;
    }

    /**
     * The state dict pickle. Hugging Face shards are plain dicts ({@code EMPTY_DICT}); a module's
     * {@code state_dict()} is an OrderedDict reduced as {@code OrderedDict()} plus items plus a BUILD of its
     * {@code _metadata}. Each tensor is {@code _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}
     * with the storage as a BINPERSID of {@code ('storage', torch.XStorage, key, 'cpu', numel)}.
     */
    byte[] pickle() {
        if (pickleOverride != null) {
            return pickleOverride;
        }
        PickleBytes p = new PickleBytes().proto(2);
        if (orderedDict) {
            p.global("collections", "OrderedDict").op(')').op('R').put();
        } else {
            p.op('}').put();
        }
        // CPython's _batch_setitems: one item is SETITEM, several are MARK ... SETITEMS.
        if (tensors.size() > 1) {
            p.mark();
        }
        for (TensorSpec t : tensors) {
            Storage s = storages.get(t.key);
            p.str(t.name);
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.mark();
            p.mark().internedStr("storage").global("torch", s.type).str(t.key).internedStr("cpu")
                    .integer(s.data.length / s.elementSize).op('t').put();
            p.op('Q');
            p.integer(t.offset);
            p.intTuple(t.size);
            p.intTuple(t.stride);
            p.op(0x89);
            p.global("collections", "OrderedDict").op(')').op('R').put();
            p.op('t').put();
            p.op('R').put();
        }
        if (tensors.size() > 1) {
            p.op('u');
        } else if (tensors.size() == 1) {
            p.op('s');
        }
        if (orderedDict) {
            // state = {'_metadata': OrderedDict([('', {'version': 1})])}
            p.op('}').put().internedStr("_metadata").global("collections", "OrderedDict").op(')').op('R').put()
                    .str("").op('}').put().internedStr("version").integer(1).op('s').op('s').op('s').op('b');
        }
        return p.stop().bytes();
    }

    /** Entries in the order torch writes them. */
    Map<String, byte[]> entries() {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put(prefix + "data.pkl", pickle());
        e.put(prefix + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        for (Map.Entry<String, Storage> s : storages.entrySet()) {
            e.put(prefix + "data/" + s.getKey(), s.getValue().data);
        }
        e.put(prefix + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        e.putAll(extraEntries);
        omit.forEach(e::remove);
        return e;
    }

    Path write(Path file) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries().entrySet()) {
                ZipEntry z = new ZipEntry(e.getKey());
                if (deflate.contains(e.getKey())) {
                    z.setMethod(ZipEntry.DEFLATED);
                } else {
                    z.setMethod(ZipEntry.STORED);
                    z.setSize(e.getValue().length);
                    z.setCompressedSize(e.getValue().length);
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    z.setCrc(crc.getValue());
                }
                zip.putNextEntry(z);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    Path writeZip64(Path file) throws IOException {
        Files.write(file, Zip64Writer.write(entries()));
        return file;
    }
}
