package io.spikert.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.SequencedMap;
import java.util.SequencedSet;

/**
 * A Hugging Face shard index ({@code *.index.json}): {@code {"metadata": {...}, "weight_map": {tensor: shard}}}.
 * Shard names are checked to be plain file names so an index cannot point outside its folder.
 */
record ShardIndex(Path file, SequencedMap<String, String> weightMap) {

    /** A 7B index is about 30 KB; a far larger one is not read into memory. */
    static final long MAX_INDEX_BYTES = 64L << 20;

    /** Shard file names in first-use order. */
    SequencedSet<String> shardNames() {
        return Collections.unmodifiableSequencedSet(new LinkedHashSet<>(weightMap.values()));
    }

    static ShardIndex read(Path file) throws CheckpointException {
        JsonNode root;
        try {
            if (Files.size(file) > MAX_INDEX_BYTES) {
                throw CheckpointException.inFile(file, "index is " + Files.size(file) + " bytes, more than the "
                        + MAX_INDEX_BYTES + " an index may have");
            }
            root = Json.readDocument(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new CheckpointException(file + ": index is not valid JSON: " + Json.firstLine(e), e);
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read index: " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw CheckpointException.inFile(file, "index is not a JSON object");
        }
        JsonNode meta = root.get("metadata");
        if (meta != null && !meta.isObject() && !meta.isNull()) {
            throw CheckpointException.inFile(file, "index \"metadata\" is not a JSON object");
        }
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw CheckpointException.inFile(file, "index has no \"weight_map\" object");
        }
        SequencedMap<String, String> weights = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            JsonNode shard = e.getValue();
            if (!shard.isTextual()) {
                throw CheckpointException.inTensor(file, e.getKey(), "weight_map value is not a file name: " + shard);
            }
            checkPlainFileName(file, e.getKey(), shard.textValue());
            weights.put(e.getKey(), shard.textValue());
        }
        if (weights.isEmpty()) {
            throw CheckpointException.inFile(file, "index weight_map is empty");
        }
        return new ShardIndex(file, Collections.unmodifiableSequencedMap(weights));
    }

    private static void checkPlainFileName(Path index, String tensor, String shard) throws CheckpointException {
        boolean plain = !shard.isEmpty() && !shard.equals(".") && !shard.equals("..")
                && shard.indexOf('/') < 0 && shard.indexOf('\\') < 0 && shard.indexOf(':') < 0 && shard.indexOf('\0') < 0;
        if (plain) {
            // The file system has the last word: a name it cannot encode (a lone surrogate, say) or one it
            // reads as more than one element is no plain file name either.
            try {
                Path p = index.getFileSystem().getPath(shard);
                plain = !p.isAbsolute() && p.getNameCount() == 1 && p.getFileName().toString().equals(shard);
            } catch (InvalidPathException e) {
                plain = false;
            }
        }
        if (!plain) {
            throw CheckpointException.inTensor(index, tensor, "shard name \"" + shard
                    + "\" is not a plain file name inside the checkpoint folder");
        }
    }
}
