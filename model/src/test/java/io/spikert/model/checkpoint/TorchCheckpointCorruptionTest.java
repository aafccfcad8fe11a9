package io.spikert.model.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.spikert.model.checkpoint.CheckpointAssertions.assertCheckpointError;
import static io.spikert.model.checkpoint.TorchCheckpointFileTest.f32Bytes;
import static io.spikert.model.checkpoint.TorchCheckpointFileTest.sample;

/** Broken archives and hostile pickles: always a CheckpointException naming the file (and tensor), never anything else. */
class TorchCheckpointCorruptionTest {
    @TempDir
    Path dir;

    private Path bin() {
        return dir.resolve("pytorch_model.bin");
    }

    private void assertRejected(String... mustContain) {
        String[] all = Arrays.copyOf(mustContain, mustContain.length + 1);
        all[mustContain.length] = bin().toString();
        assertCheckpointError(() -> Checkpoints.open(dir), all);
    }

    private static int lastIndexOf(byte[] b, int sig) {
        for (int i = b.length - 4; i >= 0; i--) {
            if (ByteBuffer.wrap(b, i, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == sig) {
                return i;
            }
        }
        throw new AssertionError("signature not found");
    }

    private static void putInt(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    }

    private void writePickle(PickleBytes p) throws Exception {
        TorchBinBuilder b = sample();
        b.pickleOverride = p.bytes();
        b.write(bin());
    }

    /** The pickle prefix torch writes up to the start of the first tensor's rebuild arguments. */
    private static PickleBytes tensorCallStart() {
        return new PickleBytes().proto(2).op('}').put().str("model.w")
                .global("torch._utils", "_rebuild_tensor_v2").mark();
    }

    private static PickleBytes storagePid(PickleBytes p, String type, String key, long numel) {
        return p.mark().internedStr("storage").global("torch", type).str(key).internedStr("cpu").integer(numel).op('t').put().op('Q');
    }

    private static PickleBytes finishTensor(PickleBytes p) {
        return p.op(0x89).global("collections", "OrderedDict").op(')').op('R').put().op('t').put().op('R').put().op('s').stop();
    }

    // ---- zip ----

    @Test
    void notAZip() throws Exception {
        Files.write(bin(), "definitely not a zip archive, just text".getBytes(StandardCharsets.US_ASCII));
        assertRejected("no end-of-central-directory");
        Files.write(bin(), new byte[0]);
        assertRejected("no end-of-central-directory");
    }

    @Test
    void legacyTorchFormat() throws Exception {
        Files.write(bin(), new byte[]{(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c});
        assertRejected("legacy");
    }

    @Test
    void truncatedFileLosesItsEndRecord() throws Exception {
        byte[] b = Files.readAllBytes(sample().write(bin()));
        Files.write(bin(), Arrays.copyOf(b, b.length - 10));
        assertRejected("no end-of-central-directory");
    }

    @Test
    void truncatedCentralDirectory() throws Exception {
        byte[] b = Files.readAllBytes(sample().write(bin()));
        int eocd = lastIndexOf(b, 0x06054b50);
        byte[] more = b.clone();
        putInt(more, eocd + 12, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(eocd + 12) + 100); // cd size
        Files.write(bin(), more);
        assertRejected("truncated central directory");
        byte[] count = b.clone();
        count[eocd + 10] = (byte) 200; // more entries than the directory can hold
        count[eocd + 8] = (byte) 200;
        Files.write(bin(), count);
        assertRejected("truncated central directory");
        // Cut the archive inside its central directory but keep a well-formed end record.
        int cd = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(eocd + 16);
        byte[] cut = new byte[cd + 30 + 22];
        System.arraycopy(b, 0, cut, 0, cd + 30);
        System.arraycopy(b, eocd, cut, cd + 30, 22);
        putInt(cut, cd + 30 + 12, 30);
        Files.write(bin(), cut);
        assertRejected("truncated central directory");
    }

    @Test
    void entryOffsetOutsideTheFile() throws Exception {
        byte[] b = Files.readAllBytes(sample().write(bin()));
        int eocd = lastIndexOf(b, 0x06054b50);
        int cd = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(eocd + 16);
        putInt(b, cd + 42, 0x7FFFFF00); // first entry's local header offset
        Files.write(bin(), b);
        assertRejected("archive/data.pkl", "local header offset");
    }

    @Test
    void entrySizeRunsPastTheFile() throws Exception {
        byte[] b = Files.readAllBytes(sample().write(bin()));
        int eocd = lastIndexOf(b, 0x06054b50);
        int cd = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(eocd + 16);
        putInt(b, cd + 20, 0x10000000);
        putInt(b, cd + 24, 0x10000000);
        Files.write(bin(), b);
        assertRejected("archive/data.pkl", "lies outside");
    }

    @Test
    void compressedEntries() throws Exception {
        TorchBinBuilder b = sample();
        b.deflate.add("archive/data/0");
        b.write(bin());
        assertRejected("archive/data/0", "compressed");
        b = sample();
        b.deflate.add("archive/data.pkl");
        b.write(bin());
        assertRejected("archive/data.pkl", "compressed");
    }

    @Test
    void missingPickle() throws Exception {
        TorchBinBuilder b = sample();
        b.omit.add("archive/data.pkl");
        b.write(bin());
        assertRejected("data.pkl");
    }

    @Test
    void missingStorageEntry() throws Exception {
        TorchBinBuilder b = sample();
        b.omit.add("archive/data/1");
        b.write(bin());
        assertRejected("tensor model.b", "archive/data/1", "missing");
    }

    @Test
    void bigEndianArchive() throws Exception {
        TorchBinBuilder b = sample();
        b.extraEntries.put("archive/byteorder", "big".getBytes(StandardCharsets.US_ASCII));
        b.write(bin());
        assertRejected("byte order 'big'");
    }

    @Test
    void zip64EndRecordPointingNowhere() throws Exception {
        byte[] b = Files.readAllBytes(sample().writeZip64(bin()));
        int locator = lastIndexOf(b, 0x07064b50);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(locator + 8, 3);
        Files.write(bin(), b);
        assertRejected("ZIP64");
    }

    // ---- tensors ----

    @Test
    void storageSizeDisagreesWithNumel() throws Exception {
        writePickle(finishTensor(storagePid(tensorCallStart(), "FloatStorage", "1", 5).integer(0).intTuple(3).intTuple(1)));
        assertRejected("tensor model.w", "archive/data/1", "12 bytes", "5 FLOAT".replace("FLOAT", "F32"));
    }

    @Test
    void nonContiguousTensor() throws Exception {
        writePickle(finishTensor(storagePid(tensorCallStart(), "BFloat16Storage", "0", 6).integer(0).intTuple(2, 3).intTuple(1, 2)));
        assertRejected("tensor model.w", "not contiguous");
    }

    @Test
    void viewPastTheEndOfItsStorage() throws Exception {
        writePickle(finishTensor(storagePid(tensorCallStart(), "BFloat16Storage", "0", 6).integer(4).intTuple(3).intTuple(1)));
        assertRejected("tensor model.w", "outside storage");
    }

    @Test
    void valueThatIsNotATensor() throws Exception {
        writePickle(new PickleBytes().proto(2).op('}').put().str("step").integer(7).op('s').stop());
        assertRejected("tensor step", "not a tensor");
        writePickle(new PickleBytes().proto(2).op(']').put().stop());
        assertRejected("not a state dict");
    }

    // ---- pickle ----

    @Test
    void unknownGlobal() throws Exception {
        writePickle(new PickleBytes().proto(2).global("os", "system").str("echo pwned").op(0x85).op('R').stop());
        assertRejected("unsupported pickle global os.system");
        writePickle(new PickleBytes().proto(2).global("torch", "load").stop());
        assertRejected("unsupported pickle global torch.load");
        writePickle(new PickleBytes().proto(4).str("builtins").str("eval").op(0x93).stop());
        assertRejected("unsupported pickle global builtins.eval");
    }

    @Test
    void unknownOpcode() throws Exception {
        writePickle(new PickleBytes().proto(2).op('}').op('i'));
        assertRejected("unsupported pickle opcode 0x69", "at byte 3");
    }

    @Test
    void truncatedPickle() throws Exception {
        byte[] full = sample().pickle();
        TorchBinBuilder b = sample();
        b.pickleOverride = Arrays.copyOf(full, full.length / 2);
        b.write(bin());
        assertRejected("truncated pickle");
        writePickle(new PickleBytes().proto(2).op('X').le(0x7FFFFFF0L, 4).op('a', 'b'));
        assertRejected("truncated pickle", "length 2147483632");
        writePickle(new PickleBytes().proto(2).op('}').op('q'));
        assertRejected("truncated pickle");
    }

    @Test
    void stackUnderflow() throws Exception {
        writePickle(new PickleBytes().proto(2).op('s').stop());
        assertRejected("stack underflow");
        writePickle(new PickleBytes().proto(2).op('}').mark().op('R').stop());
        assertRejected("stack underflow");
        writePickle(new PickleBytes().proto(2).op('t'));
        assertRejected("no MARK");
    }

    @Test
    void wrongArgumentTypes() throws Exception {
        // storage_offset as a string
        writePickle(finishTensor(storagePid(tensorCallStart(), "BFloat16Storage", "0", 6).str("0").intTuple(6).intTuple(1)));
        assertRejected("wrong argument type", "_rebuild_tensor_v2", "storage_offset");
        // size as a list instead of a tuple
        writePickle(finishTensor(storagePid(tensorCallStart(), "BFloat16Storage", "0", 6).integer(0).op(']').intTuple(1)));
        assertRejected("wrong argument type", "size");
        // a persistent id that is not torch's storage tuple
        writePickle(new PickleBytes().proto(2).str("storage").op('Q').stop());
        assertRejected("persistent id");
        // a storage type that is not a torch storage
        writePickle(new PickleBytes().proto(2).mark().internedStr("storage").global("collections", "OrderedDict")
                .str("0").internedStr("cpu").integer(1).op('t').op('Q').stop());
        assertRejected("storage type");
        // calling something that is not a function
        writePickle(new PickleBytes().proto(2).str("x").op(')').op('R').stop());
        assertRejected("call of a non-global");
        writePickle(new PickleBytes().proto(2).global("torch", "FloatStorage").op(')').op('R').stop());
        assertRejected("torch.FloatStorage cannot be called");
    }

    @Test
    void selfContainingListCannotBeADictKey() throws Exception {
        writePickle(new PickleBytes().proto(2).op('}').op(']').put().op('h', 0).op('a').str("v").op('s').stop());
        assertRejected("dict key");
    }

    @Test
    void storageBytesMatchingAnotherDtypeStillAgreeWithNumel() throws Exception {
        // numel * element size overflowing a long must be an error, not a wraparound
        writePickle(finishTensor(storagePid(tensorCallStart(), "DoubleStorage", "0", 0).integer(0).intTuple().intTuple()));
        assertRejected("tensor model.w", "archive/data/0");
        PickleBytes p = tensorCallStart().mark().internedStr("storage").global("torch", "DoubleStorage").str("0")
                .internedStr("cpu").long1(Long.MAX_VALUE / 4).op('t').put().op('Q');
        writePickle(finishTensor(p.integer(0).intTuple().intTuple()));
        assertRejected("tensor model.w", "overflows");
        assertCheckpointError(() -> Checkpoints.open(dir), bin().toString());
        Files.write(bin(), TorchBinBuilder.class.getSimpleName().getBytes(StandardCharsets.UTF_8));
        assertCheckpointError(() -> Checkpoints.open(dir), bin().toString());
        Files.write(bin(), f32Bytes(1, 2, 3));
        assertCheckpointError(() -> Checkpoints.open(dir), bin().toString());
    }
}
