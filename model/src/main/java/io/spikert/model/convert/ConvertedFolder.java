package io.spikert.model.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How {@code spikert convert} recognises a folder it wrote, so that {@code --force} replaces only that and never a
 * user's files. Every output folder (and every {@code DST.partial-*} folder while it is written) holds the marker
 * {@value #MARKER}: who wrote it, the writing process (pid and start time, for {@link StalePartials}), and, once
 * complete, the names of the files written. A folder is a previous output only if it is a real folder (not a link),
 * its marker says {@code spikert convert} wrote it, and it holds exactly the marker and the files the marker lists,
 * each a regular file: anything else in it is in the way and named in the refusal.
 */
final class ConvertedFolder {
    /** The marker file in every folder convert writes. */
    static final String MARKER = "spikert-convert.json";
    static final String WRITTEN_BY = "spikert convert";
    /** A marker is a few hundred bytes; a larger file is not ours. */
    private static final long MAX_MARKER_BYTES = 1 << 20;

    /**
     * What a marker says. {@code files} is empty while the folder is still being written. {@code host} names the
     * kernel boot and pid namespace the writer ran in (empty where unknown): a pid means something only there.
     */
    record Marker(long pid, String processStart, String host, List<String> files) {
    }

    private ConvertedFolder() {}

    /** Writes the marker of a folder being written by this process (no files listed yet). */
    static void markPartial(Path dir) throws IOException {
        write(dir, List.of());
    }

    /** Rewrites the marker of a finished folder with the names of every file in it. */
    static void markComplete(Path dir) throws IOException {
        List<String> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                if (!n.equals(MARKER)) {
                    files.add(n);
                }
            }
        }
        files.sort(null);
        write(dir, files);
    }

    private static void write(Path dir, List<String> files) throws IOException {
        var mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("written_by", WRITTEN_BY);
        ProcessHandle self = ProcessHandle.current();
        root.put("pid", self.pid());
        root.put("process_start", self.info().startInstant().map(Object::toString).orElse(""));
        root.put("host", host());
        ArrayNode arr = root.putArray("files");
        files.forEach(arr::add);
        Files.writeString(dir.resolve(MARKER), mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    /**
     * This process's kernel boot id and pid namespace ({@code /proc/sys/kernel/random/boot_id},
     * {@code /proc/self/ns/pid}), which together say where a pid is meaningful; empty where they cannot be read.
     * Two converts writing to a shared folder from different machines or containers differ here.
     */
    static String host() {
        try {
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
            String ns = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            return boot + " " + ns;
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The marker of {@code dir}, or null where there is none or it is not one convert wrote. */
    static Marker read(Path dir) {
        Path m = dir.resolve(MARKER);
        try {
            BasicFileAttributes a = Files.readAttributes(m, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || a.size() > MAX_MARKER_BYTES) {
                return null;
            }
            JsonNode root = new ObjectMapper().readTree(Files.readString(m));
            if (root == null || !WRITTEN_BY.equals(root.path("written_by").asText(null)) || !root.path("files").isArray()
                    || !root.path("pid").canConvertToLong()) {
                return null;
            }
            List<String> files = new ArrayList<>();
            for (JsonNode f : root.get("files")) {
                String n = f.asText("");
                // a name, never a path: a marker cannot make convert delete anything outside its folder
                if (!f.isTextual() || n.isEmpty() || n.contains("/") || n.contains("\\") || n.equals(".") || n.equals("..")
                        || n.equals(MARKER)) {
                    return null;
                }
                files.add(n);
            }
            return new Marker(root.get("pid").asLong(), root.path("process_start").asText(""), root.path("host").asText(""),
                    List.copyOf(files));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Refuses, with a message naming what is in the way, unless {@code dst} is a previous output of convert (or an
     * empty folder) that {@code --force} may replace.
     */
    static void checkReplaceable(Path dst) throws ConvertException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(dst, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return; // nothing there (any more)
        }
        String refusal = "--out " + dst + ": --force replaces only a folder spikert convert wrote, and ";
        if (a.isSymbolicLink()) {
            throw new ConvertException(refusal + "this is a symbolic link; it is left as it is (give the real folder, or another --out)");
        }
        if (!a.isDirectory()) {
            throw new ConvertException(refusal + "this is " + (a.isRegularFile() ? "a file" : "not a folder")
                    + "; it is left as it is (move it away or choose another --out)");
        }
        List<String> entries = entries(dst);
        if (entries.isEmpty()) {
            return;
        }
        Marker marker = read(dst);
        if (marker == null) {
            throw new ConvertException(refusal + "this folder has no " + MARKER + " marker, so it holds files SpikeRT did not"
                    + " write: " + sample(entries) + "; nothing was deleted (move them away or choose another --out)");
        }
        List<String> foreign = notOurs(dst, entries, Set.copyOf(marker.files()));
        if (!foreign.isEmpty()) {
            throw new ConvertException(refusal + "this folder also holds " + sample(foreign)
                    + ", which SpikeRT did not write; nothing was deleted (move them away or choose another --out)");
        }
    }

    /**
     * Deletes what convert wrote in {@code dir} (the files its marker lists, then the marker, then the folder if
     * nothing else is left); returns what was left because convert did not write it.
     */
    static List<String> deleteOurs(Path dir, Set<String> ours) throws IOException {
        for (String n : ours) {
            Path f = dir.resolve(n);
            if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(f);
            }
        }
        Files.deleteIfExists(dir.resolve(MARKER));
        List<String> left = entries(dir);
        if (left.isEmpty()) {
            Files.delete(dir);
        }
        return left;
    }

    /** The entries of {@code dir} that are not the marker or a regular file named in {@code ours}. */
    static List<String> notOurs(Path dir, List<String> entries, Set<String> ours) {
        List<String> foreign = new ArrayList<>();
        for (String n : entries) {
            if (n.equals(MARKER)) {
                continue;
            }
            if (!ours.contains(n) || !Files.isRegularFile(dir.resolve(n), LinkOption.NOFOLLOW_LINKS)) {
                foreign.add(n);
            }
        }
        return foreign;
    }

    static List<String> entries(Path dir) throws ConvertException {
        var names = new TreeSet<String>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                names.add(f.getFileName().toString());
            }
        } catch (IOException e) {
            throw new ConvertException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return List.copyOf(names);
    }

    /** Up to five names, then how many more. */
    static String sample(List<String> names) {
        int shown = Math.min(5, names.size());
        String s = String.join(", ", names.subList(0, shown));
        return names.size() > shown ? s + " and " + (names.size() - shown) + " more" : s;
    }
}
