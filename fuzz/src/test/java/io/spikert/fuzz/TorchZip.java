package io.spikert.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The records of a seed torch {@code .bin}, re-zipped with another {@code data.pkl}: lets a target mutate the
 * pickle alone while the zip around it stays well formed (entries STORED, as torch writes them).
 */
final class TorchZip {
    private final Map<String, byte[]> records = new LinkedHashMap<>();
    private final String pickleName;

    TorchZip(Path bin) throws IOException {
        String pkl = null;
        try (ZipFile zip = new ZipFile(bin.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                records.put(e.getName(), zip.getInputStream(e).readAllBytes());
                if (e.getName().endsWith("/data.pkl")) {
                    pkl = e.getName();
                }
            }
        }
        if (pkl == null) {
            throw new IOException(bin + ": no data.pkl record");
        }
        this.pickleName = pkl;
    }

    byte[] withPickle(byte[] pickle) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                byte[] data = r.getKey().equals(pickleName) ? pickle : r.getValue();
                ZipEntry e = new ZipEntry(r.getKey());
                e.setMethod(ZipEntry.STORED);
                e.setSize(data.length);
                e.setCompressedSize(data.length);
                CRC32 crc = new CRC32();
                crc.update(data);
                e.setCrc(crc.getValue());
                out.putNextEntry(e);
                out.write(data);
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
