package io.spikert.bench.harness;

import static io.spikert.model.util.FileTrees.deleteTree;

import io.spikert.model.Architecture;
import io.spikert.model.ModelConfig;
import io.spikert.model.ModelVariant;
import io.spikert.model.synthetic.SyntheticCheckpoint.Dims;
import io.spikert.model.synthetic.SyntheticCheckpoint.RawValues;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Synthetic benchmark checkpoints in the cache folder, written once. A checkpoint is written into
 * {@code NAME.partial} and renamed to {@code NAME} only when complete, so a folder named {@code NAME}
 * is always whole; a leftover {@code .partial} from an interrupted run is deleted first, so that at
 * most one copy (of up to 15 GB) ever exists.
 */
public final class SyntheticModelCache {
    /** Room for config.json, the safetensors header and file-system overhead. */
    private static final long SLACK_BYTES = 64L << 20;
    /** A generous bound on a safetensors header (the 7B's is about 40 KB). */
    private static final long HEADER_BOUND = 16L << 20;
    private static final long SEED = 20250101L;

    private SyntheticModelCache() {}

    /** The folder of {@code shape}'s checkpoint under {@code cacheRoot}, written first if missing. */
    public static Path ensure(Path cacheRoot, Shape shape, PrintStream log) throws IOException {
        return ensure(cacheRoot, shape, ModelVariant.BASE, RawValues.FP32, log);
    }

    /** As {@link #ensure(Path, Shape, PrintStream)} for either published layout. */
    public static Path ensure(Path cacheRoot, Shape shape, ModelVariant variant, RawValues raw, PrintStream log) throws IOException {
        return ensure(cacheRoot, shape, Architecture.SPIKINGBRAIN, variant, raw, log);
    }

    /**
     * The synthetic Qwen2 checkpoint of {@code shape} (BF16, Qwen2.5-7B-Instruct's layout; context limit 32768 in
     * its config, which a load may raise), written first if missing.
     */
    public static Path ensureQwen2(Path cacheRoot, Shape shape, PrintStream log) throws IOException {
        return ensure(cacheRoot, shape, Architecture.QWEN2, ModelVariant.BASE, RawValues.FP32, log);
    }

    private static Path ensure(Path cacheRoot, Shape shape, Architecture arch, ModelVariant variant, RawValues raw,
                               PrintStream log) throws IOException {
        boolean qwen2 = arch == Architecture.QWEN2;
        DType dtype = Shape.dtype(variant);
        String folder = qwen2 ? "bench-" + shape.cliName() + "-qwen2-bf16" : shape.cacheFolder(variant, raw);
        Dims dims = qwen2 ? shape.dims().withWindow(ModelConfig.DEFAULT_QWEN2_CONTEXT) : shape.dims();
        Path dir = cacheRoot.resolve(folder);
        if (Files.isRegularFile(dir.resolve("model.safetensors")) && Files.isRegularFile(dir.resolve("config.json"))) {
            log.printf("using cached synthetic checkpoint %s%n", dir);
            return dir;
        }
        if (Files.exists(dir)) {
            throw new IOException(dir + " exists but is not a complete checkpoint (needs config.json and model.safetensors);"
                    + " delete it and run again");
        }
        Files.createDirectories(cacheRoot);
        Path partial = cacheRoot.resolve(folder + ".partial");
        if (Files.exists(partial)) {
            log.printf("deleting incomplete %s from an interrupted run%n", partial);
            deleteTree(partial);
        }
        long needed = SyntheticSize.weightBytes(dims, arch, variant, dtype);
        long free = Files.getFileStore(cacheRoot).getUsableSpace();
        if (free < needed + SLACK_BYTES) {
            throw new IOException(String.format("not enough free disk space in %s for the %s synthetic checkpoint: need %.2f GB,"
                    + " %.2f GB available. Free some space or pass --cache DIR on a larger disk.",
                    cacheRoot, shape.cliName(), (needed + SLACK_BYTES) / 1e9, free / 1e9));
        }
        log.printf("writing synthetic %s %s checkpoint (%s, %.2f GB) to %s; %.1f GB free before writing%n",
                shape.cliName(), qwen2 ? "Qwen2" : variant, dtype, needed / 1e9, dir, free / 1e9);
        var progress = new ProgressLine(log, "  writing", needed);
        long t0 = System.nanoTime();
        try {
            if (qwen2) {
                SyntheticCheckpoint.writeQwen2(partial, dims, dtype, SEED, progress, false);
            } else {
                SyntheticCheckpoint.write(partial, dims, variant, raw, dtype, SEED, progress, false);
            }
        } catch (IOException | RuntimeException e) {
            log.println();
            deleteTree(partial);
            throw e;
        }
        progress.finish();
        long written = Files.size(partial.resolve("model.safetensors"));
        if (written < needed || written > needed + HEADER_BOUND) {
            throw new IOException(partial + ": wrote " + written + " bytes but the tensor list needs " + needed
                    + " plus a header; SyntheticSize is out of step with SyntheticCheckpoint");
        }
        Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        log.printf("  written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return dir;
    }

}
