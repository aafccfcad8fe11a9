package io.spikert.model.util;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The one place for the rules of an output file a command writes (score --logits, spikes --raster, ...):
 * <ul>
 *   <li>{@code -} is standard output, written to as a stream; so is a path that is the same file, device or pipe
 *       as standard output ({@code /dev/stdout}, or the file it was redirected to);</li>
 *   <li>a path that does not exist is written as {@code NAME.partial-XXXXXXXX} in the same folder and renamed
 *       to {@code NAME} only once complete, so a failure leaves neither a half-written file nor the temporary;</li>
 *   <li>an existing regular file is replaced (the same way, by a rename) only with {@code --force}; without it
 *       the command is refused;</li>
 *   <li>a character device (such as {@code /dev/null}) or a FIFO is opened and written in place, never replaced
 *       or truncated, with or without {@code --force};</li>
 *   <li>a symbolic link is never replaced: one that leads to a character device or a FIFO ({@code /dev/stdout})
 *       is written through in place; any other link (to a regular file, a folder, nothing) is refused, because
 *       replacing its target would change a file the user named only indirectly;</li>
 *   <li>a folder, a block device, a socket, or a path whose parent is not a folder is refused.</li>
 * </ul>
 * {@link #check} applies these rules before a command does any expensive work (loading a model);
 * {@link #write} applies them again when the file is written, as the path may have changed meanwhile.
 */
public final class OutputTarget {
    /** The argument that names standard output. */
    public static final String STDOUT = "-";

    /** What the path named when it was checked. */
    public enum Kind {
        STDOUT, NEW_FILE, REPLACED_FILE, IN_PLACE
    }

    /** The body of an output: writes the whole content to the stream (which it must not close). */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private final String option;
    private final String argument;
    private final Path path; // null for standard output
    private final boolean force;

    private OutputTarget(String option, String argument, Path path, boolean force) {
        this.option = option;
        this.argument = argument;
        this.path = path;
        this.force = force;
    }

    /**
     * Checks {@code argument} (the value of {@code option}, for messages) against the rules above.
     *
     * @throws OutputRefusedException with a sentence naming the option, the path and what is in the way
     */
    public static OutputTarget check(String option, String argument, boolean force) throws OutputRefusedException {
        if (argument.equals(STDOUT)) {
            return new OutputTarget(option, argument, null, force);
        }
        if (argument.isEmpty()) {
            throw new OutputRefusedException(option + " needs a file name, got an empty string");
        }
        Path p;
        try {
            p = Path.of(argument);
        } catch (InvalidPathException e) {
            throw new OutputRefusedException(option + " " + argument + ": not a valid path (" + e.getReason() + ")");
        }
        if (isStandardOutput(p)) {
            // /dev/stdout, /proc/self/fd/1, or the very file standard output was redirected to: one stream, not two
            return new OutputTarget(option, argument, null, force);
        }
        var target = new OutputTarget(option, argument, p, force);
        target.kind();
        return target;
    }

    /** Whether {@code p} is the file, device or pipe this process's standard output (fd 1) goes to. */
    private static boolean isStandardOutput(Path p) {
        Path fd1 = Path.of("/proc/self/fd/1");
        try {
            return Files.exists(p) && Files.exists(fd1) && Files.isSameFile(p, fd1);
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    public boolean isStdout() {
        return path == null;
    }

    /** The path written, or null for standard output. */
    public Path path() {
        return path;
    }

    /** For messages: the path, or "standard output". */
    public String describe() {
        return path == null ? "standard output" : path.toString();
    }

    /** Classifies the path now, refusing what the rules refuse. */
    public Kind kind() throws OutputRefusedException {
        if (path == null) {
            return Kind.STDOUT;
        }
        Type own = Type.of(path, LinkOption.NOFOLLOW_LINKS);
        switch (own) {
            case ABSENT -> {
                Path parent = path.toAbsolutePath().getParent();
                if (parent == null || !Files.isDirectory(parent)) {
                    throw refused("its folder " + parent + " does not exist");
                }
                if (!Files.isWritable(parent)) {
                    throw refused("its folder " + parent + " is not writable");
                }
                return Kind.NEW_FILE;
            }
            case LINK -> {
                Type to = Type.of(path);
                if (to == Type.CHARACTER_DEVICE || to == Type.FIFO) {
                    return Kind.IN_PLACE;
                }
                throw refused("it is a symbolic link (to " + to.description + "); SpikeRT does not replace links or write"
                        + " through them to files: give the file's own path, or - for standard output");
            }
            case FOLDER -> throw refused("it is a folder; name a file inside it");
            case REGULAR -> {
                if (!force) {
                    throw refused("the file already exists; pass --force to replace it");
                }
                if (!Files.isWritable(path.toAbsolutePath().getParent())) {
                    throw refused("its folder is not writable, so the file cannot be replaced");
                }
                return Kind.REPLACED_FILE;
            }
            case CHARACTER_DEVICE, FIFO -> {
                return Kind.IN_PLACE;
            }
            default -> throw refused("it is " + own.description
                    + "; SpikeRT writes regular files, character devices, FIFOs and - (standard output)");
        }
    }

    /**
     * Writes {@code body}'s output to the target: standard output through {@code stdout} (flushed, not closed),
     * a device or FIFO in place, a regular file through a temporary in the same folder that is renamed over the
     * target only after {@code body} returned; if {@code body} fails the temporary is removed and the target is as
     * it was.
     */
    public void write(OutputStream stdout, Body body) throws IOException {
        Kind kind = kind();
        switch (kind) {
            case STDOUT -> {
                body.writeTo(stdout);
                stdout.flush();
            }
            case IN_PLACE -> {
                // no CREATE, no TRUNCATE: a device or FIFO is opened as it is
                try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.WRITE), 1 << 16)) {
                    body.writeTo(os);
                }
            }
            case NEW_FILE, REPLACED_FILE -> writeThroughTemporary(kind, body);
        }
    }

    private void writeThroughTemporary(Kind kind, Body body) throws IOException {
        Path abs = path.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".partial-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4)));
        // created before the try: if the name is taken (not ours), the finally below must not delete it
        OutputStream created = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            try (OutputStream os = new BufferedOutputStream(created, 1 << 16)) {
                body.writeTo(os);
            }
            if (kind == Kind.REPLACED_FILE) {
                keepPermissions(abs, tmp);
            }
            // the path may have changed while the body ran (minutes, for a model): check again right before the rename
            Kind now = kind();
            if (now == Kind.NEW_FILE) {
                try {
                    publishNew(tmp, abs);
                } catch (FileAlreadyExistsException e) {
                    throw refused("a file appeared there while SpikeRT was writing; it was left as it is");
                }
            } else if (now == Kind.REPLACED_FILE) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                // became a device or FIFO meanwhile: write in place instead of renaming over it
                try (OutputStream os = Files.newOutputStream(path, StandardOpenOption.WRITE)) {
                    Files.copy(tmp, os);
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Gives the finished temporary its final name only if nothing has that name: link(2) fails atomically when the
     * name exists (a move without REPLACE_EXISTING checks, then renames, leaving a window); where the file system has
     * no hard links, that move is the fallback. The temporary is removed by the caller.
     */
    private static void publishNew(Path tmp, Path abs) throws IOException {
        try {
            Files.createLink(abs, tmp);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | IOException e) {
            Files.move(tmp, abs);
        }
    }

    private static void keepPermissions(Path from, Path to) {
        try {
            Set<PosixFilePermission> perms = Files.readAttributes(from, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .permissions();
            Files.setPosixFilePermissions(to, perms);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not a POSIX file system: the new file keeps the default permissions
        }
    }

    /** What a path is, from the S_IFMT bits of its mode where the file system has them. */
    private enum Type {
        ABSENT("nothing (a dangling link)"), LINK("a symbolic link"), FOLDER("a folder"), REGULAR("a regular file"),
        CHARACTER_DEVICE("a character device"), FIFO("a FIFO"),
        BLOCK_DEVICE("a block device (writing would overwrite the disk)"), SOCKET("a socket"),
        OTHER("neither a file nor a folder");

        final String description;

        Type(String description) {
            this.description = description;
        }

        static Type of(Path p, LinkOption... options) {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, options);
            } catch (IOException e) {
                return ABSENT;
            }
            if (a.isSymbolicLink()) {
                return LINK;
            }
            if (a.isDirectory()) {
                return FOLDER;
            }
            if (a.isRegularFile()) {
                return REGULAR;
            }
            try {
                if (Files.getAttribute(p, "unix:mode", options) instanceof Integer mode) {
                    return switch (mode & 0170000) {
                        case 0020000 -> CHARACTER_DEVICE;
                        case 0010000 -> FIFO;
                        case 0060000 -> BLOCK_DEVICE;
                        case 0140000 -> SOCKET;
                        default -> OTHER;
                    };
                }
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                // no unix view: cannot tell a device from a socket
            }
            return OTHER;
        }
    }

    private OutputRefusedException refused(String why) {
        return new OutputRefusedException(option + " " + argument + ": " + why);
    }
}
