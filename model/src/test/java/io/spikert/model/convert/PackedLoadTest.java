package io.spikert.model.convert;

import io.spikert.model.LoadOptions;
import io.spikert.model.ModelVariant;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.checkpoint.w8.PackedW8Reader;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * End to end through the model loader: packed and fp32 W8ASpike give the same logits. Needs the WeightBinder
 * change proposed with this package (read packed QuantLinears through {@link PackedW8Reader}, skip
 * {@code __padding_N} tensors); passes with it. The tolerance is 1e-5, not bit equality, because two loads of
 * the SAME fp32 file already differ in the last bits in fake-quant mode (runtime, not conversion);
 * {@link PackedConversionTest} checks the codes and scales bit for bit.
 */
class PackedLoadTest {
    @TempDir
    Path tmp;

    @Test
    void packedGivesIdenticalLogits() throws Exception {
        var quiet = new PrintStream(OutputStream.nullOutputStream());
        Path w8 = Path.of("src/test/resources/tiny-w8aspike");
        Path packed = tmp.resolve("packed");
        new Converter(quiet, quiet).convert(new Converter.Options(w8, packed, ConvertMode.PACKED, false));
        int[] ids = {1, 7, 300, 42, 5, 77, 0, 511, 9, 9, 100, 200};
        for (boolean integer : new boolean[] {true, false}) {
            var opt = new LoadOptions(3f).withIntegerSpikes(integer);
            try (var backend = new CpuBackend(2); var a = SpikingBrainModel.load(w8, backend, opt); var b = SpikingBrainModel.load(packed, backend, opt)) {
                assertEquals(ModelVariant.W8ASPIKE, b.variant());
                var sa = a.newSession(4);
                var sb = b.newSession(4);
                for (int id : ids) {
                    assertArrayEquals(sa.decode(id), sb.decode(id), 1e-5f, "integer=" + integer);
                }
                assertArrayEquals(a.newSession(4).prefill(ids), b.newSession(4).prefill(ids), 1e-5f);
            }
        }
        ids = new int[] {1, 7, 30, 42, 5, 77, 0, 255};
        // w8 output of a hidden-128 base through the aligned writer, then packed, loads too
        Path base = tmp.resolve("base");
        SyntheticCheckpoint.write(base, new SyntheticCheckpoint.Dims(256, 128, 2, 2, 1, 256, 8), DType.BF16, 3, x -> { }, false);
        new Converter(quiet, quiet).convert(new Converter.Options(base, tmp.resolve("w8"), ConvertMode.W8, false));
        new Converter(quiet, quiet).convert(new Converter.Options(tmp.resolve("w8"), tmp.resolve("w8p"), ConvertMode.PACKED, false));
        try (var backend = new CpuBackend(2); var a = SpikingBrainModel.load(tmp.resolve("w8"), backend); var b = SpikingBrainModel.load(tmp.resolve("w8p"), backend)) {
            assertArrayEquals(a.newSession(4).prefill(ids), b.newSession(4).prefill(ids), 1e-5f);
        }
        // bf16 aligned output has a padding tensor: loads with the padding skip
        new Converter(quiet, quiet).convert(new Converter.Options(Path.of("src/test/resources/tiny/bf16-safetensors"), tmp.resolve("al"), ConvertMode.ALIGNED, false));
        try (var backend = new CpuBackend(2); var a = SpikingBrainModel.load(Path.of("src/test/resources/tiny/bf16-safetensors"), backend); var b = SpikingBrainModel.load(tmp.resolve("al"), backend)) {
            assertArrayEquals(a.newSession(4).prefill(new int[] {1, 2, 3}), b.newSession(4).prefill(new int[] {1, 2, 3}), 1e-5f);
        }
    }
}
