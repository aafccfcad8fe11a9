package io.spikert.model.checkpoint;

import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchCheckpointFileTest {
    @TempDir
    Path dir;

    /**
     * Reference pickles from CPython 3.11's {@code pickle._Pickler(protocol=2)} with stand-in classes whose
     * module and names match torch's and a {@code persistent_id} returning torch.save's storage tuple:
     * {'model.w': bf16 (2,3) on storage '0' (6 elems), 'model.b': f32 (3,) on storage '1'} as a plain dict, and
     * OrderedDict([('model.w', ...)]) with {@code _metadata = OrderedDict([('', {'version': 1})])}.
     */
    static final String CPYTHON_PLAIN_DICT = "80027d71002858070000006d6f64656c2e77710163746f7263682e5f7574696c730a5f72656275696c645f74656e736f725f76320a71022828580700000073746f72616765710363746f7263680a42466c6f6174313653746f726167650a71045801000000307105580300000063707571064b06747107514b004b024b038671084b034b018671098963636f6c6c656374696f6e730a4f726465726564446963740a710a2952710b74710c52710d58070000006d6f64656c2e62710e68022828680363746f7263680a466c6f617453746f726167650a710f580100000031711068064b03747111514b004b038571124b0185711389680a29527114747115527116752e";
    static final String CPYTHON_ORDERED_DICT = "800263636f6c6c656374696f6e730a4f726465726564446963740a71002952710158070000006d6f64656c2e77710263746f7263682e5f7574696c730a5f72656275696c645f74656e736f725f76320a71032828580700000073746f72616765710463746f7263680a42466c6f6174313653746f726167650a71055801000000307106580300000063707571074b06747108514b004b024b038671094b034b0186710a8968002952710b74710c52710d737d710e58090000005f6d65746164617461710f680029527110580000000071117d7112580700000076657273696f6e71134b01737373622e";

    static byte[] f32Bytes(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    static byte[] i16Bytes(short... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : v) {
            b.putShort(s);
        }
        return b.array();
    }

    static final short[] BF16_W = {(short) 0x3F80, (short) 0xC000, 0x4040, (short) 0xBE80, 0x0000, 0x4120};
    static final float[] BF16_W_VALUES = {1f, -2f, 3f, -0.25f, 0f, 10f};

    static TorchBinBuilder sample() {
        return new TorchBinBuilder()
                .tensor("model.w", "BFloat16Storage", 2, i16Bytes(BF16_W), 2, 3)
                .tensor("model.b", "FloatStorage", 4, f32Bytes(0.5f, -1.5f, 1e-3f), 3);
    }

    @Test
    void builderMatchesCPythonPickleBytes() {
        assertEquals(CPYTHON_PLAIN_DICT, HexFormat.of().formatHex(sample().pickle()));
        TorchBinBuilder od = new TorchBinBuilder().tensor("model.w", "BFloat16Storage", 2, i16Bytes(BF16_W), 2, 3);
        od.orderedDict = true;
        assertEquals(CPYTHON_ORDERED_DICT, HexFormat.of().formatHex(od.pickle()));
    }

    @Test
    void readsAPlainDictShard() throws Exception {
        Path file = sample().write(dir.resolve("pytorch_model.bin"));
        try (Arena arena = Arena.ofConfined()) {
            TorchCheckpointFile bin = TorchCheckpointFile.open(file, arena);
            assertEquals("archive/", bin.prefix());
            assertEquals(List.of("model.w", "model.b"), List.copyOf(bin.names()));
            Tensor w = bin.tensor("model.w");
            assertEquals(DType.BF16, w.dtype());
            assertArrayEquals(new long[]{2, 3}, w.shape());
            assertArrayEquals(BF16_W_VALUES, w.toFloatArray());
            assertTrue(w.data().isMapped(), "tensor should be a slice of the file mapping");
            Tensor b = bin.tensor("model.b");
            assertEquals(DType.F32, b.dtype());
            assertArrayEquals(new float[]{0.5f, -1.5f, 1e-3f}, b.toFloatArray());
        }
    }

    @Test
    void readsTheCPythonReferencePickles() throws Exception {
        TorchBinBuilder plain = sample();
        plain.pickleOverride = HexFormat.of().parseHex(CPYTHON_PLAIN_DICT);
        TorchBinBuilder ordered = new TorchBinBuilder().tensor("model.w", "BFloat16Storage", 2, i16Bytes(BF16_W), 2, 3);
        ordered.pickleOverride = HexFormat.of().parseHex(CPYTHON_ORDERED_DICT);
        try (Arena arena = Arena.ofConfined()) {
            TorchCheckpointFile a = TorchCheckpointFile.open(plain.write(dir.resolve("a.bin")), arena);
            assertArrayEquals(BF16_W_VALUES, a.tensor("model.w").toFloatArray());
            assertArrayEquals(new float[]{0.5f, -1.5f, 1e-3f}, a.tensor("model.b").toFloatArray());
            TorchCheckpointFile b = TorchCheckpointFile.open(ordered.write(dir.resolve("b.bin")), arena);
            assertEquals(List.of("model.w"), List.copyOf(b.names()));
            assertArrayEquals(BF16_W_VALUES, b.tensor("model.w").toFloatArray());
        }
    }

    @Test
    void readsF16AndI8AndScalarsAndSharedStorageViews() throws Exception {
        short[] f16 = {Float.floatToFloat16(0.5f), Float.floatToFloat16(-3.25f)};
        byte[] i8 = {-128, -7, 0, 99};
        // One f32 storage of 8 elements holding two tensors, as torch saves views of one buffer (tied weights, slices).
        byte[] shared = f32Bytes(0, 1, 2, 3, 4, 5, 6, 7);
        TorchBinBuilder b = new TorchBinBuilder()
                .tensor("h", "HalfStorage", 2, i16Bytes(f16), 2)
                .tensor("c", "CharStorage", 1, i8, 2, 2)
                .tensor("s", "FloatStorage", 4, f32Bytes(42f))
                .storage("shared", "FloatStorage", 4, shared)
                .tensor("low", "shared", 0, new long[]{2, 2}, new long[]{2, 1})
                .tensor("high", "shared", 5, new long[]{3, 1}, new long[]{1, 99}) // size-1 dim: any stride is contiguous
                .tensor("empty", "shared", 8, new long[]{0, 4}, new long[]{4, 1});
        b.orderedDict = true;
        b.prefix = "pytorch_model/"; // older torch named the folder after the file stem
        Path file = b.write(dir.resolve("x.bin"));
        try (Arena arena = Arena.ofConfined()) {
            TorchCheckpointFile bin = TorchCheckpointFile.open(file, arena);
            assertEquals("pytorch_model/", bin.prefix());
            assertArrayEquals(new float[]{0.5f, -3.25f}, bin.tensor("h").toFloatArray());
            assertEquals(DType.I8, bin.tensor("c").dtype());
            assertArrayEquals(new float[]{-128, -7, 0, 99}, bin.tensor("c").toFloatArray());
            assertEquals(0, bin.tensor("s").rank());
            assertEquals(42f, bin.tensor("s").getFloat(0));
            assertArrayEquals(new float[]{0, 1, 2, 3}, bin.tensor("low").toFloatArray());
            assertArrayEquals(new float[]{5, 6, 7}, bin.tensor("high").toFloatArray());
            assertEquals(0, bin.tensor("empty").byteSize());
        }
    }

    @Test
    void readsZip64Archives() throws Exception {
        Path file = sample().writeZip64(dir.resolve("z.bin"));
        // The fixture itself must be a zip that the JDK's independent reader accepts.
        try (ZipFile jdk = new ZipFile(file.toFile())) {
            assertArrayEquals(i16Bytes(BF16_W), jdk.getInputStream(jdk.getEntry("archive/data/0")).readAllBytes());
        }
        try (Arena arena = Arena.ofConfined()) {
            TorchCheckpointFile bin = TorchCheckpointFile.open(file, arena);
            Tensor w = bin.tensor("model.w");
            assertArrayEquals(BF16_W_VALUES, w.toFloatArray());
            assertEquals(0, w.data().address() % 64, "torch-style padding aligns data to 64 bytes");
        }
    }

    @Test
    void largeIntegersUseLong1() throws Exception {
        // Values beyond 32 bits (a 7B model's offsets can be) arrive as LONG1; hand-encode a small one that way.
        PickleBytes p = new PickleBytes().proto(2).op('}').put();
        p.str("t").global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().internedStr("storage").global("torch", "FloatStorage").str("0").internedStr("cpu").long1(4).op('t').put()
                .op('Q').long1(1).intTuple(3).intTuple(1).op(0x89)
                .global("collections", "OrderedDict").op(')').op('R').put().op('t').put().op('R').put().op('s').stop();
        TorchBinBuilder b = new TorchBinBuilder().storage("0", "FloatStorage", 4, f32Bytes(9, 8, 7, 6));
        b.pickleOverride = p.bytes();
        try (Arena arena = Arena.ofConfined()) {
            assertArrayEquals(new float[]{8, 7, 6}, TorchCheckpointFile.open(b.write(dir.resolve("l.bin")), arena)
                    .tensor("t").toFloatArray());
        }
    }

    @Test
    void opensThroughCheckpointsWithSingleFileAndIndex() throws Exception {
        sample().write(dir.resolve("pytorch_model.bin"));
        try (Checkpoint c = Checkpoints.open(dir)) {
            assertEquals("pytorch", c.format());
            assertEquals(List.of("model.b", "model.w"), List.copyOf(c.names()));
            assertEquals(12 + 12, c.totalBytes());
        }
        Path sharded = Files.createDirectory(dir.resolve("sharded"));
        new TorchBinBuilder().tensor("model.w", "BFloat16Storage", 2, i16Bytes(BF16_W), 2, 3)
                .write(sharded.resolve("pytorch_model-00001-of-00002.bin"));
        new TorchBinBuilder().tensor("model.b", "FloatStorage", 4, f32Bytes(0.5f, -1.5f, 1e-3f), 3)
                .write(sharded.resolve("pytorch_model-00002-of-00002.bin"));
        Files.writeString(sharded.resolve("pytorch_model.bin.index.json"), """
                {"metadata": {"total_size": 24}, "weight_map": {
                  "model.w": "pytorch_model-00001-of-00002.bin",
                  "model.b": "pytorch_model-00002-of-00002.bin"}}""");
        try (Checkpoint c = Checkpoints.open(sharded)) {
            assertEquals("pytorch", c.format());
            assertEquals(sharded.resolve("pytorch_model-00002-of-00002.bin"), c.fileOf("model.b"));
            assertArrayEquals(BF16_W_VALUES, c.tensor("model.w").toFloatArray());
        }
    }
}
