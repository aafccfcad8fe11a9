package io.spikert.model.synthetic;

import io.spikert.model.ModelConfig;
import io.spikert.model.PublishedFiles;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class SyntheticCheckpointTest {
    @Test
    void sevenBShapeHasThePublishedTensorAndParameterCounts() {
        var shapes = SyntheticCheckpoint.tensorShapes(SyntheticCheckpoint.Dims.SEVEN_B);
        assertEquals(395, shapes.size(), "MODEL.md: 395 tensors");
        long params = shapes.values().stream().mapToLong(Tensor::elementCount).sum();
        assertEquals(7_616_542_976L, params, "MODEL.md: 7,616,542,976 parameters");
    }

    @Test
    void writesTheLayoutTheLoaderReadsWithThePublishedConfigKeys(@TempDir Path dir) throws IOException {
        var d = new SyntheticCheckpoint.Dims(1000, 32, 3, 2, 1, 48, 8);
        SyntheticCheckpoint.write(dir, d, DType.BF16, 5L, b -> { });
        var config = ModelConfig.load(dir);
        assertEquals(3, config.numLayers());
        assertTrue(config.isSwaLayer(1) && !config.isSwaLayer(0) && !config.isSwaLayer(2));
        assertTrue(Files.exists(dir.resolve("vocab.json")) && Files.exists(dir.resolve("merges.txt")));
        assertEquals(PublishedFiles.MERGES_SHA256, sha256(dir.resolve("merges.txt")), "the bundled merges are the published ones");
        assertEquals(PublishedFiles.VOCAB_SHA256, sha256(dir.resolve("vocab.json")), "the bundled vocabulary is the published one");
        try (var ckpt = Checkpoints.open(dir)) {
            var shapes = SyntheticCheckpoint.tensorShapes(d);
            assertEquals(shapes.keySet(), ckpt.names());
            for (var e : shapes.entrySet()) {
                Tensor t = ckpt.tensor(e.getKey());
                assertArrayEquals(e.getValue(), t.shape(), e.getKey());
                assertEquals(DType.BF16, t.dtype());
            }
            float norm = ckpt.tensor("model.norm.weight").getFloat(0);
            assertTrue(norm > 0.85f && norm < 1.15f, "norm weight " + norm);
        }
        Path again = dir.resolve("again");
        SyntheticCheckpoint.write(again, d, DType.BF16, 5L, b -> { }, false);
        assertEquals(-1, Files.mismatch(dir.resolve("model.safetensors"), again.resolve("model.safetensors")),
                "the same seed writes the same bytes");
    }

    @Test
    void w8aspikeLayoutHasThePublishedCountAndLoadsAsW8ASpike(@TempDir Path dir) throws IOException {
        var shapes = SyntheticCheckpoint.tensorShapes(SyntheticCheckpoint.Dims.SEVEN_B, io.spikert.model.ModelVariant.W8ASPIKE);
        assertEquals(591, shapes.size(), "MODEL.md: 591 tensors in the W8ASpike checkpoint");
        var d = new SyntheticCheckpoint.Dims(300, 128, 2, 2, 1, 256, 8);
        SyntheticCheckpoint.write(dir, d, io.spikert.model.ModelVariant.W8ASPIKE, DType.F32, 3L, b -> { }, false);
        try (var backend = new io.spikert.runtime.backend.CpuBackend(2);
             var model = io.spikert.model.SpikingBrainModel.load(dir, backend)) {
            assertEquals(io.spikert.model.ModelVariant.W8ASPIKE, model.variant());
            float[] logits = model.newSession().prefill(new int[] {1, 2, 3});
            for (int i = 0; i < 300; i++) {
                assertTrue(Float.isFinite(logits[i]));
            }
        }
        try (var ckpt = Checkpoints.open(dir)) {
            Tensor w = ckpt.tensor("model.layers.0.mlp.up_proj.weight");
            float scale = ckpt.tensor("model.layers.0.mlp.up_proj.weight_quantizer.scales").getFloat(0);
            long outside = 0;
            for (long i = 0; i < w.elementCount(); i++) {
                if (Math.abs(Math.rint(w.getFloat(i) / scale)) > 127) {
                    outside++;
                }
            }
            double share = (double) outside / w.elementCount();
            assertTrue(share > 0.001 && share < 0.02, "codes outside [-127, 127]: " + share);
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
