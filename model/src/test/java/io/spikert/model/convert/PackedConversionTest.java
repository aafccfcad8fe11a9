package io.spikert.model.convert;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.model.ModelConfig;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.checkpoint.SafetensorsFile;
import io.spikert.model.checkpoint.w8.PackedFormat;
import io.spikert.model.checkpoint.w8.PackedW8Reader;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;

import static io.spikert.model.convert.ConvertFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The packed form of the W8ASpike fixture (whose codes reach +-205 and include -128) against the fp32
 * original: codes rint(W/s), computed here in double from the fp32 values, and scales bit for bit.
 */
class PackedConversionTest {
    @TempDir
    static Path tmp;
    static Path dst;
    static Converter.Result result;
    static Captured cap = new Captured();

    @BeforeAll
    static void convert() throws IOException {
        dst = tmp.resolve("packed");
        result = cap.converter().convert(new Converter.Options(W8, dst, ConvertMode.PACKED, false));
    }

    @Test
    void codesAndScalesReadBackExactlyEqualTheFp32Original() throws IOException {
        ModelConfig c = ModelConfig.load(W8);
        int outliers = 0;
        int beyondInt8 = 0;
        int minus128 = 0;
        try (var src = Checkpoints.open(W8); var packed = Checkpoints.open(dst); Arena arena = Arena.ofConfined()) {
            for (QuantLinears.Spec q : QuantLinears.used(c)) {
                String p = q.prefix();
                assertFalse(packed.contains(p + ".weight"), p + ": fp32 weight replaced");
                assertTrue(PackedW8Reader.isPacked(packed, p));
                Tensor w = src.tensor(p + ".weight");
                Tensor s = src.tensor(p + W8ASpikeFormat.SCALES);
                int[] codes = PackedW8Reader.codes(packed, p, q.out(), q.in());
                float[] scales = PackedW8Reader.scales(packed, p, q.out(), q.in());
                for (int i = 0; i < scales.length; i++) {
                    assertEquals(Float.floatToRawIntBits(s.getFloat(i)), Float.floatToRawIntBits(scales[i]), p + " scale " + i);
                }
                Int8Weights loaderPath = Int8Weights.quantize(arena, w.data(), q.out(), q.in(), s.toFloatArray());
                Int8Weights fromPacked = PackedW8Reader.int8Weights(arena, packed, p, q.out(), q.in());
                for (int r = 0; r < q.out(); r++) {
                    for (int col = 0; col < q.in(); col++) {
                        int i = r * q.in() + col;
                        double exact = Math.rint((double) w.getFloat(i) / s.getFloat(r * q.groups() + col / 128));
                        assertEquals((int) exact, codes[i], p + " code at " + r + "," + col);
                        assertEquals(loaderPath.code(r, col), fromPacked.code(r, col), p + " Int8Weights code at " + r + "," + col);
                        assertEquals(loaderPath.scale(r, col / 128), fromPacked.scale(r, col / 128));
                        if (Math.abs(codes[i]) > 127) {
                            outliers++;
                        }
                        beyondInt8 += codes[i] > 127 || codes[i] < -128 ? 1 : 0;
                        minus128 += codes[i] == -128 ? 1 : 0;
                    }
                }
                assertEquals(loaderPath.outlierCount(), fromPacked.outlierCount(), p);
            }
            // README of the fixture: the used QuantLinears have 4586 codes outside [-127, 127].
            assertEquals(642 + 310 + 309 + 132 + 658 + 1243 + 1292, outliers);
            assertTrue(beyondInt8 > 0 && minus128 > 0);

            var used = new HashSet<String>();
            for (QuantLinears.Spec q : QuantLinears.used(c)) {
                used.add(q.prefix() + ".weight");
            }
            for (String n : src.names()) {
                if (used.contains(n)) {
                    continue;
                }
                Tensor a = src.tensor(n);
                Tensor b = packed.tensor(n);
                assertEquals(a.dtype(), b.dtype(), n);
                assertEquals(-1, MemorySegment.mismatch(a.data(), 0, a.byteSize(), b.data(), 0, b.byteSize()), n + " copied unchanged");
            }
            assertEquals(DType.I8, packed.tensor("model.layers.0.attn.q_proj" + PackedFormat.CODES).dtype());
        }
    }

    @Test
    void metadataNamesTheFormatAndTheFileIsSmaller() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            var meta = SafetensorsFile.open(dst.resolve(Converter.OUTPUT_FILE), arena).metadata();
            assertEquals(PackedFormat.FORMAT, meta.get(PackedFormat.FORMAT_KEY));
            assertEquals("128", meta.get("spikert.quant.group"));
        }
        long before = Files.size(W8.resolve("model-00001-of-00002.safetensors")) + Files.size(W8.resolve("model-00002-of-00002.safetensors"));
        long after = Files.size(dst.resolve(Converter.OUTPUT_FILE));
        // down_proj, embeddings and lm_head stay fp32 (exact), so the tiny model shrinks by less than 4x.
        assertTrue(after < before * 0.6, before + " -> " + after);
        assertTrue(cap.out().contains("outside [-127, 127]"), cap.out());
    }

    @Test
    void alignedCopyOfThePackedFormKeepsItsMetadataAndCodes() throws IOException {
        Path again = tmp.resolve("packed-aligned");
        new Captured().converter().convert(new Converter.Options(dst, again, ConvertMode.ALIGNED, false));
        try (Arena arena = Arena.ofConfined(); var a = Checkpoints.open(dst); var b = Checkpoints.open(again)) {
            var meta = SafetensorsFile.open(again.resolve(Converter.OUTPUT_FILE), arena).metadata();
            assertEquals(PackedFormat.FORMAT, meta.get(PackedFormat.FORMAT_KEY));
            assertTrue(meta.get("spikert.quantisation").startsWith("packed"), meta.toString());
            String p = "model.layers.1.mlp.up_proj";
            assertArrayEquals(PackedW8Reader.codes(a, p, 256, 128), PackedW8Reader.codes(b, p, 256, 128));
        }
    }
}
