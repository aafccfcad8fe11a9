package io.spikert.model.convert;

import io.spikert.model.ModelConfig;
import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.checkpoint.SafetensorsFile;
import io.spikert.model.checkpoint.w8.PackedFormat;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;
import io.spikert.runtime.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/** The model folder being converted: config, mapped checkpoint, which form it holds, and its file metadata. */
final class Source implements AutoCloseable {
    enum Kind {
        BASE("base"), W8ASPIKE("W8ASpike"), PACKED("packed W8ASpike");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    final Path dir;
    final ModelConfig config;
    final Checkpoint checkpoint;
    final Kind kind;
    final Map<String, String> metadata;

    private Source(Path dir, ModelConfig config, Checkpoint checkpoint, Kind kind, Map<String, String> metadata) {
        this.dir = dir;
        this.config = config;
        this.checkpoint = checkpoint;
        this.kind = kind;
        this.metadata = metadata;
    }

    /** Reads config.json (which checks model_type) and maps the checkpoint. */
    static Source open(Path dir) throws IOException {
        ModelConfig config = ModelConfig.load(dir);
        Checkpoint ckpt = Checkpoints.open(dir);
        try {
            Kind kind = Kind.BASE;
            for (String n : ckpt.names()) {
                if (n.endsWith(PackedFormat.CODES)) {
                    kind = Kind.PACKED;
                    break;
                }
                if (n.endsWith(W8ASpikeFormat.SCALES)) {
                    kind = Kind.W8ASPIKE;
                }
            }
            return new Source(dir, config, ckpt, kind, metadata(ckpt));
        } catch (IOException | RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }

    /** The union of the shards' {@code __metadata__} (safetensors only; .bin files have none). */
    private static Map<String, String> metadata(Checkpoint ckpt) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        if (!"safetensors".equals(ckpt.format())) {
            return out;
        }
        var files = new TreeSet<Path>();
        for (String n : ckpt.names()) {
            files.add(ckpt.fileOf(n));
        }
        try (Arena arena = Arena.ofConfined()) {
            for (Path f : files) {
                out.putAll(SafetensorsFile.open(f, arena).metadata());
            }
        }
        return out;
    }

    Tensor tensor(String name) throws IOException {
        return checkpoint.tensor(name);
    }

    /** The named tensor, which must exist with exactly {@code shape} and a floating-point dtype. */
    Tensor floatTensor(String name, long... shape) throws IOException {
        if (!checkpoint.contains(name)) {
            throw new ConvertException(dir + ": missing tensor " + name + " (expected shape " + Arrays.toString(shape)
                    + " in a " + kind.label + " checkpoint)");
        }
        Tensor t = checkpoint.tensor(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ConvertException(checkpoint.fileOf(name) + ": tensor " + name + " has shape "
                    + Arrays.toString(t.shape()) + " but config.json implies " + Arrays.toString(shape));
        }
        if (!t.dtype().isFloatingPoint()) {
            throw new ConvertException(checkpoint.fileOf(name) + ": tensor " + name + " has dtype " + t.dtype()
                    + "; expected BF16, F16 or F32");
        }
        return t;
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
