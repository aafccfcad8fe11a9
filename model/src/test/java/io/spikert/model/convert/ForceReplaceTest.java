package io.spikert.model.convert;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.spikert.model.convert.ConvertFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** {@code convert --out DST --force} replaces only a folder convert wrote; everything else is refused and left intact. */
class ForceReplaceTest {
    static final Path SRC = TINY.resolve("f32");

    @TempDir
    Path tmp;

    private static Converter.Result convert(Path dst, boolean force) throws IOException {
        return new Captured().converter().convert(new Converter.Options(SRC, dst, ConvertMode.ALIGNED, force));
    }

    private static String refused(Path dst) {
        var e = assertThrows(ConvertException.class, () -> convert(dst, true));
        assertTrue(e.getMessage().contains("--force replaces only a folder spikert convert wrote"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aPreviousOutputIsReplacedAndCarriesTheMarker() throws IOException {
        Path dst = tmp.resolve("dst");
        convert(dst, false);
        assertTrue(Files.isRegularFile(dst.resolve(ConvertedFolder.MARKER)));
        var marker = ConvertedFolder.read(dst);
        assertNotNull(marker);
        assertTrue(marker.files().contains(Converter.OUTPUT_FILE) && marker.files().contains("config.json"), marker.toString());
        Files.writeString(dst.resolve("config.json"), "{}"); // edited by hand: still a file convert wrote
        convert(dst, true);
        assertNotEquals("{}", Files.readString(dst.resolve("config.json")));
        assertOnly(tmp, "dst");
    }

    @Test
    void aFolderWithAUsersFileIsRefusedAndKept() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        Files.writeString(dst.resolve("keep.txt"), "mine", StandardCharsets.UTF_8);
        String m = refused(dst);
        assertTrue(m.contains("keep.txt") && m.contains("nothing was deleted"), m);
        assertEquals("mine", Files.readString(dst.resolve("keep.txt")));
        assertOnly(dst, "keep.txt");
        assertOnly(tmp, "dst");
    }

    @Test
    void aUsersFileAddedToAPreviousOutputIsNamedAndKept() throws IOException {
        Path dst = tmp.resolve("dst");
        convert(dst, false);
        Files.writeString(dst.resolve("notes.md"), "mine", StandardCharsets.UTF_8);
        Files.createDirectory(dst.resolve("runs"));
        String m = refused(dst);
        assertTrue(m.contains("notes.md") && m.contains("runs") && m.contains("SpikeRT did not write"), m);
        assertEquals("mine", Files.readString(dst.resolve("notes.md")));
        assertTrue(Files.isRegularFile(dst.resolve(Converter.OUTPUT_FILE)));
        assertOnly(tmp, "dst");
    }

    @Test
    void theDotOfAUsersFolderIsRefused() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("work"));
        Files.writeString(folder.resolve("thesis.tex"), "mine", StandardCharsets.UTF_8);
        String m = refused(folder.resolve("."));
        assertTrue(m.contains("thesis.tex"), m);
        assertOnly(folder, "thesis.tex");
        assertOnly(tmp, "work");
    }

    @Test
    void theCurrentFolderIsRefused() throws IOException {
        // relative "." is the JVM's working folder (the model module); the source is a copy outside it, so that
        // only the current-folder rule stands between --force and the module's files (do not run this on old code)
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (String f : new String[] {"config.json", Converter.OUTPUT_FILE}) {
            Files.copy(SRC.resolve(f), src.resolve(f));
        }
        for (String dst : new String[] {".", ".."}) {
            var e = assertThrows(ConvertException.class, () -> new Captured().converter()
                    .convert(new Converter.Options(src, Path.of(dst), ConvertMode.ALIGNED, true)));
            assertTrue(e.getMessage().contains("is the current folder"), e.getMessage());
        }
        assertTrue(Files.isRegularFile(Path.of("pom.xml")));
        assertOnly(tmp, "src");
    }

    @Test
    void aRegularFileIsRefusedAndKept() throws IOException {
        Path dst = Files.writeString(tmp.resolve("dst"), "mine", StandardCharsets.UTF_8);
        String m = refused(dst);
        assertTrue(m.contains("a file"), m);
        assertEquals("mine", Files.readString(dst));
        assertOnly(tmp, "dst");
    }

    @Test
    void aSymbolicLinkIsRefusedEvenToAPreviousOutput() throws IOException {
        Path real = tmp.resolve("real");
        convert(real, false);
        Path link = Files.createSymbolicLink(tmp.resolve("dst"), real.getFileName());
        String m = refused(link);
        assertTrue(m.contains("symbolic link"), m);
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(Files.isRegularFile(real.resolve(Converter.OUTPUT_FILE)));
        assertOnly(tmp, "dst", "real");
    }

    @Test
    void aForgedMarkerCannotReachOutsideTheFolder() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        Path outside = Files.writeString(tmp.resolve("precious.txt"), "mine", StandardCharsets.UTF_8);
        Files.writeString(dst.resolve(ConvertedFolder.MARKER),
                "{\"written_by\":\"spikert convert\",\"pid\":1,\"files\":[\"../precious.txt\"]}");
        refused(dst);
        assertEquals("mine", Files.readString(outside));
    }

    @Test
    void anEmptyFolderIsReplacedWithForce() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        convert(dst, true);
        assertTrue(Files.isRegularFile(dst.resolve(Converter.OUTPUT_FILE)));
        assertOnly(tmp, "dst");
    }
}
