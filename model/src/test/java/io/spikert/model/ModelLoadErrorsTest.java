package io.spikert.model;

import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.checkpoint.SafetensorsWriter;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** A checkpoint that does not match its config is refused with the file and tensor named. */
class ModelLoadErrorsTest {
    @TempDir
    static Path root;
    static Path good;
    static CpuBackend backend;

    @BeforeAll
    static void setUp() throws IOException {
        good = TestModels.write(root.resolve("good"), TestModels.SMALL, DType.BF16);
        backend = new CpuBackend(1);
    }

    @AfterAll
    static void tearDown() {
        backend.close();
    }

    /** Copies the good checkpoint through {@code edit}, which may drop, replace or add tensors. */
    private static Path variant(String name, Consumer<Editor> edit) throws IOException {
        Path dir = root.resolve(name);
        Files.createDirectories(dir);
        Files.copy(good.resolve("config.json"), dir.resolve("config.json"));
        try (var ckpt = Checkpoints.open(good); var arena = Arena.ofConfined()) {
            var writer = new SafetensorsWriter();
            var editor = new Editor(writer, arena);
            for (String n : ckpt.names()) {
                editor.current = ckpt.tensor(n);
                edit.accept(editor);
                if (editor.current != null) {
                    writer.add(editor.current);
                }
            }
            editor.extra.forEach(writer::add);
            writer.write(dir.resolve("model.safetensors"));
        }
        return dir;
    }

    static final class Editor {
        final SafetensorsWriter writer;
        final Arena arena;
        final java.util.List<Tensor> extra = new java.util.ArrayList<>();
        Tensor current;

        Editor(SafetensorsWriter writer, Arena arena) {
            this.writer = writer;
            this.arena = arena;
        }

        Tensor zeros(String name, DType dtype, long... shape) {
            return new Tensor(name, dtype, shape, arena.allocate(Tensor.elementCount(shape) * dtype.byteSize()));
        }
    }

    private static String loadError(Path dir) {
        var e = assertThrows(IOException.class, () -> SpikingBrainModel.load(dir, backend).close());
        return e.getMessage();
    }

    @Test
    void goodCheckpointLoads() throws IOException {
        try (var m = SpikingBrainModel.load(good, backend)) {
            assertEquals(4, m.config().numLayers());
        }
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = variant("missing", e -> {
            if (e.current.name().equals("model.layers.2.attn.gk_proj.0.weight")) {
                e.current = null;
            }
        });
        String msg = loadError(dir);
        assertTrue(msg.contains("model.layers.2.attn.gk_proj.0.weight") && msg.contains("missing"), msg);
    }

    @Test
    void shapeContradictingTheConfigIsNamed() throws IOException {
        Path dir = variant("shape", e -> {
            if (e.current.name().equals("model.layers.1.attn.k_proj.weight")) {
                e.current = e.zeros(e.current.name(), DType.BF16, 64, 64);
            }
        });
        String msg = loadError(dir);
        assertTrue(msg.contains("model.layers.1.attn.k_proj.weight") && msg.contains("[64, 64]")
                && msg.contains("model.safetensors"), msg);
    }

    @Test
    void unexpectedTensorIsNamed() throws IOException {
        Path dir = variant("extra", e -> {
            if (e.current.name().equals("model.norm.weight")) {
                e.extra.add(e.zeros("model.layers.1.attn.rotary_emb.inv_freq", DType.F32, 8));
            }
        });
        String msg = loadError(dir);
        assertTrue(msg.contains("unexpected") && msg.contains("rotary_emb.inv_freq"), msg);
    }

    @Test
    void integerWeightIsRefused() throws IOException {
        Path dir = variant("int", e -> {
            if (e.current.name().equals("model.layers.0.mlp.up_proj.weight")) {
                e.current = e.zeros(e.current.name(), DType.I8, e.current.shape());
            }
        });
        String msg = loadError(dir);
        assertTrue(msg.contains("model.layers.0.mlp.up_proj.weight") && msg.contains("I8"), msg);
    }

    @Test
    void scalesMakeACheckpointW8ASpikeWhichThenNeedsItsWholeLayout() throws IOException {
        Path dir = variant("w8", e -> {
            if (e.current.name().equals("model.layers.0.mlp.up_proj.weight")) {
                e.extra.add(e.zeros("model.layers.0.mlp.up_proj.weight_quantizer.scales", DType.F32, 96, 1, 1));
            }
        });
        // recognised as W8ASpike by its scales, then refused because the rest of that layout is missing
        String msg = loadError(dir);
        assertTrue(msg.contains("W8ASPIKE") && msg.contains("missing tensor"), msg);
    }

    @Test
    void f16WeightsAreWidenedAndRun() throws IOException {
        Path dir = variant("f16", e -> {
            Tensor t = e.current;
            Tensor h = e.zeros(t.name(), DType.F16, t.shape());
            for (long i = 0; i < t.elementCount(); i++) {
                h.data().setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(t.getFloat(i)));
            }
            e.current = h;
        });
        try (var m = SpikingBrainModel.load(dir, backend); var ref = SpikingBrainModel.load(good, backend)) {
            int[] ids = TestModels.ids(9, 300, 8);
            float[] a = m.newSession().prefill(ids).clone();
            float[] b = ref.newSession().prefill(ids);
            // bf16 -> f16 is exact for these magnitudes except rare subnormal/precision cases
            assertTrue(TestModels.relativeError(a, 0, b, 0, 300) < 1e-3);
        }
    }

    @Test
    void noCheckpointFilesIsAClearError() throws IOException {
        Path dir = root.resolve("empty");
        Files.createDirectories(dir);
        Files.copy(good.resolve("config.json"), dir.resolve("config.json"));
        assertThrows(CheckpointException.class, () -> SpikingBrainModel.load(dir, backend));
    }
}
