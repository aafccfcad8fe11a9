package io.spikert.model.convert;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code DST.partial-XXXXXXXX} folders a killed convert leaves behind (a shutdown hook removes them on Ctrl-C,
 * nothing can on {@code kill -9} or a power cut). Before writing, convert looks at those next to its destination:
 * one whose {@link ConvertedFolder} marker names a process of this machine and pid namespace that is no longer
 * running (or a pid now used by another process, told apart by its start time) is removed, deleting only the files
 * convert writes; one still being written by a live convert, one written on another machine or in another
 * container (a shared folder), or one without a marker, is left as it is and named.
 */
final class StalePartials {
    /** Between the destination's name and the 8 hex digits of a temporary output folder. */
    static final String PARTIAL = ".partial-";
    private static final Pattern SUFFIX = Pattern.compile("[0-9a-f]{8}");

    private StalePartials() {}

    /** Looks at the partial folders of {@code dstName} in {@code parent}; reports what it did on {@code out}. */
    static void sweep(Path parent, String dstName, PrintStream out) throws IOException {
        String prefix = dstName + PARTIAL;
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && SUFFIX.matcher(n.substring(prefix.length())).matches();
        })) {
            ds.forEach(candidates::add);
        }
        candidates.sort(null);
        for (Path p : candidates) {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                out.println("note: " + p + " is not a folder convert wrote; left as it is");
                continue;
            }
            ConvertedFolder.Marker m = ConvertedFolder.read(p);
            if (m == null) {
                out.println("note: " + p + " has no " + ConvertedFolder.MARKER + " marker, so SpikeRT cannot tell it wrote"
                        + " it; left as it is (remove it yourself if it is an old partial output)");
                continue;
            }
            if (!m.host().isEmpty() && !m.host().equals(ConvertedFolder.host())) {
                out.println("note: " + p + " was written by a convert on another machine or in another container"
                        + " (pid " + m.pid() + " there), which may still be running; left as it is");
                continue;
            }
            if (running(m)) {
                out.println("note: " + p + " is being written by another convert (pid " + m.pid() + "); left as it is");
                continue;
            }
            List<String> ours = new ArrayList<>();
            for (String n : ConvertedFolder.entries(p)) {
                if (Converter.isOutputName(n)) {
                    ours.add(n);
                }
            }
            List<String> left = ConvertedFolder.deleteOurs(p, java.util.Set.copyOf(ours));
            if (left.isEmpty()) {
                out.println("removed " + p + ", a partial output left by a convert (pid " + m.pid() + ") that is no longer running");
            } else {
                out.println("note: " + p + " was left by a convert (pid " + m.pid() + ") that is no longer running; its files"
                        + " were removed but it also holds " + ConvertedFolder.sample(left) + ", which SpikeRT did not write,"
                        + " so the folder was kept");
            }
        }
    }

    /** Whether the process that wrote a marker still runs: same pid, and the same start time where both are known. */
    static boolean running(ConvertedFolder.Marker m) {
        Optional<ProcessHandle> h = ProcessHandle.of(m.pid());
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        Optional<String> start = h.get().info().startInstant().map(Object::toString);
        return start.isEmpty() || m.processStart().isEmpty() || start.get().equals(m.processStart());
    }
}
