package io.spikert.model.convert;

import static io.spikert.model.util.FileTrees.deleteTree;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.model.Architecture;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Runs one conversion: checks the inputs and the free space, writes into {@code DST.partial-XXXX} next to
 * the destination, copies config and tokenizer files, verifies the written file against the source, and only
 * then renames the folder to {@code DST}. Any failure removes the temporary folder, so nothing partial is
 * left behind. Every folder it writes carries the {@link ConvertedFolder} marker; {@code --force} replaces an
 * existing DST only if the marker shows that convert wrote it and it holds nothing else.
 */
public final class Converter {
    /** The single output checkpoint file. */
    public static final String OUTPUT_FILE = "model.safetensors";

    /**
     * @param window    {@link ConvertMode#SPIKINGBRAIN} only: the SWA layers' sliding window
     * @param swaLayers {@link ConvertMode#SPIKINGBRAIN} only: which layers become SWA ("odd", as SpikingBrain-7B;
     *                  "all", "none", or a list of indices); the others become GLA
     */
    public record Options(Path source, Path destination, ConvertMode mode, boolean force, int window, String swaLayers) {
        /** SpikingBrain-7B's window. */
        public static final int DEFAULT_WINDOW = 4096;

        public Options(Path source, Path destination, ConvertMode mode, boolean force) {
            this(source, destination, mode, force, DEFAULT_WINDOW, "odd");
        }
    }

    /** What was written. */
    public record Result(Path output, long sourceBytes, long outputBytes, int tensors, int paddingTensors) {
    }

    private final PrintStream out;
    private final PrintStream progress;
    private ToLongFunction<Path> usableSpace = Converter::usableSpaceOf;

    /** {@code out} receives the summary and notes; {@code progress} the progress bars (stderr in the CLI). */
    public Converter(PrintStream out, PrintStream progress) {
        this.out = out;
        this.progress = progress;
    }

    /** For tests: how many bytes the file store of a folder can take. */
    Converter withUsableSpace(ToLongFunction<Path> usableSpace) {
        this.usableSpace = usableSpace;
        return this;
    }

    public Result convert(Options o) throws IOException {
        Path src = o.source().toAbsolutePath().normalize();
        Path dst = o.destination().toAbsolutePath().normalize();
        if (!Files.isDirectory(src)) {
            throw new ConvertException(src + ": not a model folder");
        }
        Path realSrc = src.toRealPath();
        if (dst.equals(src) || dst.startsWith(src) || src.startsWith(dst)
                || (Files.exists(dst) && (Files.isSameFile(dst, realSrc) || realSrc.startsWith(dst.toRealPath())))) {
            throw new ConvertException("--out " + dst + " overlaps the source folder " + src + "; choose another folder");
        }
        Path cwd = Path.of("").toAbsolutePath().normalize();
        if (cwd.startsWith(dst)) {
            throw new ConvertException("--out " + dst + " is the current folder" + (cwd.equals(dst) ? "" : " or holds it")
                    + "; choose a new folder for the output");
        }
        if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) {
            if (!o.force()) {
                throw new ConvertException(dst + " already exists; pass --force to replace it (--force replaces only a"
                        + " folder spikert convert wrote)");
            }
            ConvertedFolder.checkReplaceable(dst);
        }
        Path parent = dst.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new ConvertException("--out " + dst + ": parent folder " + parent + " does not exist");
        }
        // before the free-space check: what a killed run left is space this run may need
        StalePartials.sweep(parent, dst.getFileName().toString(), out);
        try (Source s = Source.open(src)) {
            if (s.config.architecture() == Architecture.QWEN2 && (o.mode() == ConvertMode.W8 || o.mode() == ConvertMode.PACKED)) {
                throw new ConvertException(src + ": a Qwen2 checkpoint converts --to spikingbrain or --to aligned; --to "
                        + o.mode().cliName() + " takes a SpikingBrain checkpoint");
            }
            Plan plan = switch (o.mode()) {
                case W8 -> W8Plan.build(s);
                case PACKED -> PackedPlan.build(s);
                case ALIGNED -> AlignedPlan.build(s);
                case SPIKINGBRAIN -> SpikingBrainInitPlan.build(s, o.window(), o.swaLayers());
            };
            byte[] config = plan.config() == null ? null
                    : new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(plan.config());
            var writer = new AlignedSafetensorsWriter();
            plan.metadata().forEach(writer::putMetadata);
            plan.tensors().forEach(writer::add);
            List<Path> aux = auxiliaryFiles(src);
            if (config != null) {
                aux.removeIf(f -> f.getFileName().toString().equals("config.json"));
            }
            long needed = writer.fileSize() + (config == null ? 0 : config.length);
            for (Path f : aux) {
                needed += Files.size(f);
            }
            long usable = usableSpace.applyAsLong(parent);
            if (needed > usable) {
                throw new ConvertException("not enough free space in " + parent + ": the " + o.mode().cliName()
                        + " output needs " + ProgressBar.bytes(needed) + " (" + needed + " bytes), "
                        + ProgressBar.bytes(usable) + " (" + usable + " bytes) available");
            }
            out.printf(Locale.ROOT, "converting %s (%s, %s) to %s: %d tensors, %s; needs %s, %s free%n", src, s.kind.label,
                    s.checkpoint.format(), o.mode().cliName(), plan.tensors().size(),
                    ProgressBar.bytes(writer.fileSize()), ProgressBar.bytes(needed), ProgressBar.bytes(usable));
            Path tmp = parent.resolve(dst.getFileName() + StalePartials.PARTIAL + HexFormat.of().formatHex(
                    new SecureRandom().generateSeed(4)));
            Files.createDirectory(tmp);
            ConvertedFolder.markPartial(tmp);
            // Ctrl-C during a long write must not leave a half-written folder behind either.
            Thread cleanup = new Thread(() -> {
                try {
                    deleteTree(tmp);
                } catch (IOException ignored) {
                    // best effort while the JVM exits
                }
            }, "spikert-convert-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            try {
                var layout = writer.layout();
                long data = layout.isEmpty() ? 0 : layout.getLast().end();
                Path file = tmp.resolve(OUTPUT_FILE);
                var bar = new ProgressBar(progress, "writing  ", data);
                writer.write(file, bar::update);
                bar.finish();
                for (Path f : aux) {
                    Files.copy(f, tmp.resolve(f.getFileName().toString()));
                }
                if (config != null) {
                    Files.write(tmp.resolve("config.json"), config);
                }
                var check = new ProgressBar(progress, "verifying", data);
                Verifier.verify(file, layout, plan.metadata(), check::update);
                check.finish();
                ConvertedFolder.markComplete(tmp);
                install(tmp, dst);
                int pads = (int) layout.stream().filter(AlignedSafetensorsWriter.Placed::padding).count();
                long sourceBytes = s.checkpoint.totalBytes();
                long outputBytes = Files.size(dst.resolve(OUTPUT_FILE));
                for (String note : plan.notes()) {
                    out.println(note);
                }
                out.printf(Locale.ROOT, "wrote %s: %d tensors (%d padding), %s from %s of tensor data (%.2fx); verified "
                                + "against the source, every tensor 64-byte aligned%n", dst.resolve(OUTPUT_FILE),
                        layout.size(), pads, ProgressBar.bytes(outputBytes), ProgressBar.bytes(sourceBytes),
                        (double) sourceBytes / outputBytes);
                return new Result(dst, sourceBytes, outputBytes, layout.size(), pads);
            } catch (IOException | RuntimeException | Error e) {
                deleteTree(tmp);
                throw e;
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException exiting) {
                    // the JVM is already shutting down; the hook runs
                }
            }
        }
    }

    /**
     * Moves a finished folder into place. An old DST (with --force) is checked again (minutes may have passed since
     * the first check), set aside, and only the files convert wrote in it are deleted after; anything else that
     * appeared in it meanwhile is left and named.
     */
    private void install(Path tmp, Path dst) throws IOException {
        Path old = null;
        Set<String> oldFiles = Set.of();
        if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) {
            ConvertedFolder.checkReplaceable(dst);
            var marker = ConvertedFolder.read(dst);
            oldFiles = marker == null ? Set.of() : Set.copyOf(marker.files());
            old = dst.resolveSibling(dst.getFileName() + ".old-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4)));
            Files.move(dst, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, dst, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        if (old != null) {
            List<String> left = ConvertedFolder.deleteOurs(old, oldFiles);
            if (!left.isEmpty()) {
                out.println("note: the previous output was moved to " + old + "; it still holds " + ConvertedFolder.sample(left)
                        + ", which SpikeRT did not write, so that folder was kept");
            }
        }
    }

    /** config.json and the tokenizer and generation files that travel with a checkpoint. */
    static List<Path> auxiliaryFiles(Path src) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(src)) {
            for (Path f : ds) {
                if (isAuxiliaryName(f.getFileName().toString()) && Files.isRegularFile(f)) {
                    out.add(f);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** Names of the files copied with a checkpoint. */
    static boolean isAuxiliaryName(String n) {
        return n.equals("config.json") || n.equals("generation_config.json") || n.equals("vocab.json")
                || n.equals("merges.txt") || n.startsWith("tokenizer") || n.equals("special_tokens_map.json")
                || n.equals("added_tokens.json") || n.endsWith(".jinja");
    }

    /** Names of every file convert writes into its output folder. */
    static boolean isOutputName(String n) {
        return n.equals(OUTPUT_FILE) || n.equals(ConvertedFolder.MARKER) || isAuxiliaryName(n);
    }

    private static long usableSpaceOf(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the free space of " + dir, e);
        }
    }

}
