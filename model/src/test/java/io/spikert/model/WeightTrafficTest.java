package io.spikert.model;

import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The backend's weight-traffic counter: what one decoded token streams, counted independently from the files. */
class WeightTrafficTest {
    @Test
    void oneDecodeStepStreamsEveryWeightMatrixOnceExceptTheEmbeddingTable() throws IOException {
        Path dir = Path.of("src/test/resources/tiny/bf16-safetensors");
        long expected = 0;
        try (var ckpt = Checkpoints.open(dir)) {
            for (String name : ckpt.names()) {
                Tensor t = ckpt.tensor(name);
                if (t.rank() == 2 && !name.equals("model.embeddings.weight")) {
                    expected += t.byteSize();
                }
            }
        }
        try (var backend = new CpuBackend(2); var model = SpikingBrainModel.load(dir, backend)) {
            Session s = model.newSession();
            s.prefill(new int[] {1, 2, 3});
            long before = backend.weightBytesRead();
            s.decode(4);
            assertEquals(expected, backend.weightBytesRead() - before);
        }
    }

    @Test
    void w8aspikeStepsReadAboutOneBytePerQuantisedWeight() throws IOException {
        Path dir = Path.of("src/test/resources/tiny-w8aspike");
        long quantised = 0;
        long other = 0;
        try (var ckpt = Checkpoints.open(dir)) {
            for (String name : ckpt.names()) {
                Tensor t = ckpt.tensor(name);
                if (t.rank() != 2 || name.equals("model.embeddings.weight")) {
                    continue;
                }
                String prefix = name.substring(0, name.length() - ".weight".length());
                boolean spiked = ckpt.contains(prefix + ".weight_quantizer.scales") && !name.contains("down_proj");
                if (spiked) { // INT8 tiles hold whole blocks of Int8Weights.TILE rows
                    long tile = io.spikert.kernels.spike.Int8Weights.TILE;
                    quantised += (t.dim(0) + tile - 1) / tile * tile * t.dim(1);
                } else {
                    other += t.byteSize();
                }
            }
        }
        try (var backend = new CpuBackend(2).sparseFromSilentShare(2.0); // always dense: every code is read
             var model = SpikingBrainModel.load(dir, backend)) {
            Session s = model.newSession();
            s.prefill(new int[] {1, 2, 3});
            long before = backend.weightBytesRead();
            s.decode(4);
            long int8 = backend.weightBytesRead() - before - other;
            // + 4 bytes of scale per 128 weights and 8 bytes per outlier (about 1% of the codes here)
            assertTrue(int8 >= quantised && int8 < quantised * 1.15,
                    "INT8 bytes " + int8 + " for " + quantised + " tile-padded quantised weights (codes plus scales and outliers)");
        }
    }
}
