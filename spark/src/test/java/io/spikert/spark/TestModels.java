package io.spikert.spark;

import io.spikert.model.ModelVariant;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tiny synthetic checkpoints with the real Qwen2.5 tokenizer, written once under target/ and reused by later runs. */
final class TestModels {
    private static final Path ROOT = Path.of("target", "spark-test-models");

    private TestModels() {}

    /** A base SpikingBrain model (BF16, hidden 64, two layers: one linear-attention, one sliding-window). */
    static synchronized Path base() throws IOException {
        Path d = ROOT.resolve("base");
        if (!Files.exists(d.resolve("model.safetensors"))) {
            SyntheticCheckpoint.write(d, new SyntheticCheckpoint.Dims(152064, 64, 2, 2, 1, 128, 8), DType.BF16, 11, x -> { });
        }
        return d.toAbsolutePath();
    }

    /** A W8ASpike model (widths in groups of 128), as the server's GPU tests write it. */
    static synchronized Path w8aspike() throws IOException {
        Path d = ROOT.resolve("w8aspike");
        if (!Files.exists(d.resolve("model.safetensors"))) {
            SyntheticCheckpoint.write(d, new SyntheticCheckpoint.Dims(152064, 128, 2, 2, 1, 256, 8), ModelVariant.W8ASPIKE,
                    SyntheticCheckpoint.RawValues.BF16_AND_DOWN_CODES, DType.F32, 13, x -> { }, true);
        }
        return d.toAbsolutePath();
    }
}
