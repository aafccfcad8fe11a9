package io.spikert.model.checkpoint;

import io.spikert.runtime.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Opens the checkpoint in a model folder, whichever of the published layouts it uses. */
public final class Checkpoints {
    private Checkpoints() {
    }

    @FunctionalInterface
    private interface ShardOpener {
        TensorFile open(Path file, Arena arena) throws CheckpointException;
    }

    private record Layout(String fileName, boolean indexed, String format, ShardOpener opener) {
    }

    /** Detection order: sharded before single file, safetensors before pytorch (safer and faster to open). */
    private static final List<Layout> LAYOUTS = List.of(
            new Layout("model.safetensors.index.json", true, "safetensors", SafetensorsFile::open),
            new Layout("model.safetensors", false, "safetensors", SafetensorsFile::open),
            new Layout("pytorch_model.bin.index.json", true, "pytorch", TorchCheckpointFile::open),
            new Layout("pytorch_model.bin", false, "pytorch", TorchCheckpointFile::open));

    /**
     * Maps every shard of the checkpoint in {@code modelDir} read-only and validates all tensor headers.
     * The returned checkpoint owns the mappings; close it to release them.
     */
    public static Checkpoint open(Path modelDir) throws CheckpointException {
        if (!Files.isDirectory(modelDir)) {
            throw new CheckpointException(modelDir + ": not a directory");
        }
        for (Layout layout : LAYOUTS) {
            Path candidate = modelDir.resolve(layout.fileName);
            if (Files.isRegularFile(candidate)) {
                return open(modelDir, candidate, layout);
            }
        }
        throw new CheckpointException(modelDir + ": no checkpoint found; looked for "
                + String.join(", ", LAYOUTS.stream().map(Layout::fileName).toList()));
    }

    private static Checkpoint open(Path dir, Path file, Layout layout) throws CheckpointException {
        Arena arena = Arena.ofShared();
        try {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, Path> files = new HashMap<>();
            if (layout.indexed) {
                openSharded(dir, ShardIndex.read(file), layout, arena, tensors, files);
            } else {
                for (Tensor t : layout.opener.open(file, arena).tensors().values()) {
                    tensors.put(t.name(), t);
                    files.put(t.name(), file);
                }
            }
            return new MappedCheckpoint(dir, layout.format, arena, tensors, files);
        } catch (CheckpointException e) {
            arena.close();
            throw e;
        } catch (RuntimeException e) {
            arena.close();
            throw new CheckpointException(file + ": cannot open checkpoint: " + e, e);
        }
    }

    private static void openSharded(Path dir, ShardIndex index, Layout layout, Arena arena,
                                    Map<String, Tensor> tensors, Map<String, Path> files) throws CheckpointException {
        for (String shardName : index.shardNames()) {
            Path shard = dir.resolve(shardName);
            if (!Files.isRegularFile(shard)) {
                throw CheckpointException.inFile(index.file(), "shard " + shardName + " named in weight_map does not exist in " + dir);
            }
            TensorFile opened = layout.opener.open(shard, arena);
            for (Tensor t : opened.tensors().values()) {
                String mapped = index.weightMap().get(t.name());
                if (mapped == null) {
                    throw CheckpointException.inTensor(shard, t.name(), "present in the shard but absent from the weight_map of "
                            + index.file());
                }
                if (!mapped.equals(shardName)) {
                    throw CheckpointException.inTensor(shard, t.name(), "present in this shard but " + index.file()
                            + " maps it to " + mapped);
                }
                tensors.put(t.name(), t);
                files.put(t.name(), shard);
            }
        }
        for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
            if (!tensors.containsKey(e.getKey())) {
                throw CheckpointException.inTensor(index.file(), e.getKey(), "weight_map puts it in shard " + e.getValue()
                        + ", which does not contain it");
            }
        }
    }
}
