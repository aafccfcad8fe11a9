package io.spikert.fuzz;

import io.spikert.model.ModelVariant;
import io.spikert.model.convert.ConvertMode;
import io.spikert.model.convert.Converter;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The seed of the packed W8ASpike target, made at start rather than committed (about 250 KB): a synthetic fp32
 * W8ASpike checkpoint of the smallest shape the layout allows (hidden and intermediate 128, 2 layers, vocab 32),
 * converted by {@code spikert convert --to packed}'s own code. Both steps are deterministic.
 */
final class PackedSeed {
    static final SyntheticCheckpoint.Dims DIMS = new SyntheticCheckpoint.Dims(32, 128, 2, 2, 1, 128, 3);

    private PackedSeed() {
    }

    /** Writes the packed checkpoint under a new temporary folder and returns its folder. */
    static Path build() throws IOException {
        Path root = Files.createTempDirectory("spikert-fuzz-packed-");
        Path w8 = root.resolve("w8");
        SyntheticCheckpoint.write(w8, DIMS, ModelVariant.W8ASPIKE, SyntheticCheckpoint.RawValues.FP32, DType.F32, 11L, b -> { }, false);
        Path packed = root.resolve("packed");
        var quiet = new PrintStream(OutputStream.nullOutputStream());
        new Converter(quiet, quiet).convert(new Converter.Options(w8, packed, ConvertMode.PACKED, false));
        return packed;
    }
}
