package io.spikert.model.convert;

import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.checkpoint.SafetensorsWriter;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.spikert.model.convert.ConvertFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** Bad or mismatched inputs: a clear message, and neither DST nor a DST.partial-* folder afterwards. */
class ConversionFailureTest {
    @TempDir
    Path tmp;

    private String fails(Path src, ConvertMode mode) throws IOException {
        Path parent = Files.createDirectories(tmp.resolve("parent"));
        var e = assertThrows(IOException.class, () -> new Captured().converter()
                .convert(new Converter.Options(src, parent.resolve("dst"), mode, false)));
        assertOnly(parent);
        return e.getMessage();
    }

    @Test
    void w8NeedsGroupMultiples() throws IOException {
        String m = fails(TINY.resolve("f32"), ConvertMode.W8);
        assertTrue(m.contains("hidden_size = 64") && m.contains("multiple") && m.contains("128"), m);
    }

    @Test
    void w8RefusesAW8ASpikeCheckpoint() throws IOException {
        String m = fails(W8, ConvertMode.W8);
        assertTrue(m.contains("W8ASpike") && m.contains("--to w8 converts a base checkpoint"), m);
    }

    @Test
    void packedRefusesABaseCheckpoint() throws IOException {
        for (String f : new String[] {"f32", "bf16-bin"}) {
            String m = fails(TINY.resolve(f), ConvertMode.PACKED);
            assertTrue(m.contains("base checkpoint") && m.contains("--to packed needs a W8ASpike"), m);
        }
    }

    @Test
    void wrongModelTypeIsRejected() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("llama"));
        Files.copy(TINY.resolve("f32/model.safetensors"), src.resolve("model.safetensors"));
        String config = Files.readString(TINY.resolve("f32/config.json")).replace("\"gla_swa\"", "\"llama\"");
        Files.writeString(src.resolve("config.json"), config);
        String m = fails(src, ConvertMode.ALIGNED);
        assertTrue(m.contains("llama") && m.contains("gla_swa"), m);
    }

    @Test
    void missingScalesAreNamed() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("noscale"));
        Files.copy(W8.resolve("config.json"), src.resolve("config.json"));
        String dropped = "model.layers.2.attn.k_proj" + W8ASpikeFormat.SCALES;
        var w = new SafetensorsWriter();
        try (var ckpt = Checkpoints.open(W8)) {
            for (String n : ckpt.names()) {
                if (!n.equals(dropped)) {
                    w.add(ckpt.tensor(n));
                }
            }
            w.write(src.resolve("model.safetensors"));
        }
        String m = fails(src, ConvertMode.PACKED);
        assertTrue(m.contains("missing tensor " + dropped), m);
    }

    @Test
    void notEnoughSpaceSaysHowMuchIsNeeded() throws IOException {
        Path parent = Files.createDirectories(tmp.resolve("parent"));
        var e = assertThrows(ConvertException.class, () -> new Captured().converter().withUsableSpace(p -> 1000)
                .convert(new Converter.Options(W8, parent.resolve("dst"), ConvertMode.PACKED, false)));
        assertTrue(e.getMessage().contains("needs") && e.getMessage().contains("1000 bytes) available"), e.getMessage());
        assertOnly(parent);
    }

    @Test
    void existingDestinationNeedsForce() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        Files.writeString(dst.resolve("keep.txt"), "mine", StandardCharsets.UTF_8);
        var e = assertThrows(ConvertException.class, () -> new Captured().converter()
                .convert(new Converter.Options(TINY.resolve("f32"), dst, ConvertMode.ALIGNED, false)));
        assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("--force"), e.getMessage());
        assertEquals("mine", Files.readString(dst.resolve("keep.txt")));
        assertOnly(tmp, "dst");

        // --force replaces only a folder convert wrote: the user's file stays (ForceReplaceTest has the other cases)
        var forced = assertThrows(ConvertException.class, () -> new Captured().converter()
                .convert(new Converter.Options(TINY.resolve("f32"), dst, ConvertMode.ALIGNED, true)));
        assertTrue(forced.getMessage().contains("keep.txt"), forced.getMessage());
        assertEquals("mine", Files.readString(dst.resolve("keep.txt")));
        assertOnly(tmp, "dst");
    }

    @Test
    void aFailureAfterAnEarlierOutputLeavesThatOutputAlone() throws IOException {
        Path dst = tmp.resolve("dst");
        new Captured().converter().convert(new Converter.Options(TINY.resolve("f32"), dst, ConvertMode.ALIGNED, false));
        byte[] before = Files.readAllBytes(dst.resolve(Converter.OUTPUT_FILE));
        assertThrows(ConvertException.class, () -> new Captured().converter()
                .convert(new Converter.Options(TINY.resolve("f32"), dst, ConvertMode.PACKED, true)));
        assertArrayEquals(before, Files.readAllBytes(dst.resolve(Converter.OUTPUT_FILE)));
        assertOnly(tmp, "dst");
    }

    @Test
    void outputInsideTheSourceIsRefused() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.copy(TINY.resolve("f32/model.safetensors"), src.resolve("model.safetensors"));
        Files.copy(TINY.resolve("f32/config.json"), src.resolve("config.json"));
        var e = assertThrows(ConvertException.class, () -> new Captured().converter()
                .convert(new Converter.Options(src, src, ConvertMode.ALIGNED, true)));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        assertOnly(src, "config.json", "model.safetensors");
    }
}
