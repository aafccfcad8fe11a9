package io.spikert.model.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.spikert.model.cli.CliTest.TINY;
import static io.spikert.model.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The output paths of the commands (score --logits, spikes --raster): devices and FIFOs are written in place, never
 * replaced; links are never replaced; a folder is refused without a stray temporary; an existing file needs --force.
 */
class OutputSafetyTest {
    static final String MODEL = TINY.resolve("f32").toString();
    static final String IDS = "5,17,300,42";
    static final int VOCAB = 512;
    static final long LOGITS_BYTES = 4L * VOCAB * 4;
    static final String W8 = "src/test/resources/tiny-w8aspike";

    @TempDir
    Path dir;

    static int fileType(Path p) throws IOException {
        return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000;
    }

    static final int CHAR_DEVICE = 0020000;
    static final int FIFO = 0010000;

    static CliTest.Result score(String logits, String... extra) {
        String[] base = {"score", "--model", MODEL, "--ids", IDS, "--logits", logits};
        return run(Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
    }

    static void exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd));
    }

    @Test
    void devNullStaysACharacterDevice() throws Exception {
        assertEquals(CHAR_DEVICE, fileType(Path.of("/dev/null")), "precondition");
        CliTest.Result r = score("/dev/null");
        assertEquals(0, r.status(), r.err());
        assertEquals(CHAR_DEVICE, fileType(Path.of("/dev/null")), "/dev/null is still a character device");
        // (on stdout, or on stderr where this JVM's standard output happens to be /dev/null and the logits take its place)
        assertTrue((r.out() + r.err()).contains("mean log-likelihood"), r.out() + r.err());
        CliTest.Result forced = score("/dev/null", "--force");
        assertEquals(0, forced.status(), forced.err());
        assertEquals(CHAR_DEVICE, fileType(Path.of("/dev/null")));
    }

    @Test
    void aCharacterDeviceOfItsOwnIsWrittenInPlace() throws Exception {
        // the same device as /dev/null (1,3), made in the test folder, so the old behaviour harms nothing outside it
        Path dev = dir.resolve("null");
        exec("mknod", dev.toString(), "c", "1", "3");
        CliTest.Result r = score(dev.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(CHAR_DEVICE, fileType(dev), "the device node is not replaced by a regular file");
        assertOnlyEntries("null");
    }

    @Test
    void aFifoIsWrittenToNotReplaced() throws Exception {
        Path fifo = dir.resolve("logits.fifo");
        Path got = dir.resolve("got.bin");
        exec("mkfifo", fifo.toString());
        Process reader = new ProcessBuilder("cat", fifo.toString()).redirectOutput(got.toFile()).start();
        try {
            CliTest.Result r = score(fifo.toString());
            assertEquals(0, r.status(), r.err());
            assertEquals(FIFO, fileType(fifo), "the FIFO is still a FIFO");
            assertTrue(reader.waitFor(30, TimeUnit.SECONDS), "the reader saw the end of the stream");
            assertEquals(LOGITS_BYTES, Files.size(got), "the reader got every logit through the FIFO");
        } finally {
            reader.destroyForcibly();
        }
    }

    @Test
    void aSymbolicLinkIsNotReplacedNorWrittenThrough() throws Exception {
        Path real = Files.writeString(dir.resolve("real.f32"), "mine", StandardCharsets.UTF_8);
        Path link = Files.createSymbolicLink(dir.resolve("link.f32"), real.getFileName());
        for (String[] extra : new String[][] {{}, {"--force"}}) {
            CliTest.Result r = score(link.toString(), extra);
            assertEquals(2, r.status(), r.err());
            assertTrue(r.err().contains("symbolic link") && r.err().contains(link.toString()), r.err());
            assertTrue(Files.isSymbolicLink(link), "the link is still a link");
            assertEquals("mine", Files.readString(real), "the file behind the link is untouched");
        }
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.f32"), Path.of("nowhere.f32"));
        CliTest.Result r = score(dangling.toString(), "--force");
        assertEquals(2, r.status(), r.err());
        assertTrue(Files.isSymbolicLink(dangling));
        assertFalse(Files.exists(dir.resolve("nowhere.f32")), "nothing was created behind a dangling link");
        assertOnlyEntries("real.f32", "link.f32", "dangling.f32");
    }

    @Test
    void aFolderIsRefusedWithoutAStrayTemporary() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("out.f32"));
        for (String[] extra : new String[][] {{}, {"--force"}}) {
            CliTest.Result r = score(folder.toString(), extra);
            assertEquals(2, r.status(), r.err());
            assertTrue(r.err().contains("is a folder"), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
        assertTrue(Files.isDirectory(folder));
        assertOnlyEntries("out.f32");
        try (var s = Files.list(folder)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void anExistingFileIsReplacedOnlyWithForce() throws Exception {
        Path file = Files.writeString(dir.resolve("logits.f32"), "mine", StandardCharsets.UTF_8);
        CliTest.Result r = score(file.toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("already exists") && r.err().contains("--force"), r.err());
        assertEquals("mine", Files.readString(file));
        CliTest.Result forced = score(file.toString(), "--force");
        assertEquals(0, forced.status(), forced.err());
        assertEquals(LOGITS_BYTES, Files.size(file));
        assertOnlyEntries("logits.f32");
    }

    @Test
    void aMissingFolderIsAUsageErrorBeforeTheModelLoads() {
        CliTest.Result r = score(dir.resolve("no/such/folder/logits.f32").toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("does not exist") && r.err().contains("--logits"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void dashWritesTheLogitsToStandardOutputAndTheReportToStderr() throws IOException {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"score", "--model", MODEL, "--ids", IDS, "--logits", "-"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String report = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, report);
        assertEquals(LOGITS_BYTES, out.size(), "the logits, and nothing else, are standard output");
        Path file = dir.resolve("logits.f32");
        assertEquals(0, score(file.toString()).status());
        assertArrayEquals(Files.readAllBytes(file), out.toByteArray(), "the same bytes as written to a file");
        assertTrue(report.contains("mean log-likelihood") && report.contains("standard output"), report);
        assertFalse(Files.exists(Path.of("-")), "no file named -");
    }

    @Test
    void rasterFollowsTheSameRules() throws Exception {
        String[] base = {"spikes", "--model", W8, "--ids", "5,17,300,42", "--threads", "1", "--raster"};
        Path png = Files.writeString(dir.resolve("r.png"), "mine", StandardCharsets.UTF_8);
        CliTest.Result r = run(concat(base, png.toString()));
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("--force"), r.err());
        assertEquals("mine", Files.readString(png));
        CliTest.Result forced = run(concat(base, png.toString(), "--force"));
        assertEquals(0, forced.status(), forced.err());
        assertNotNull(javax.imageio.ImageIO.read(png.toFile()), "a PNG replaced the file");

        Path folder = Files.createDirectory(dir.resolve("d.svg"));
        CliTest.Result d = run(concat(base, folder.toString()));
        assertEquals(2, d.status(), d.err());
        assertTrue(d.err().contains("is a folder"), d.err());

        CliTest.Result missing = run(concat(base, dir.resolve("nope/r.png").toString()));
        assertEquals(2, missing.status(), missing.err());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        assertFalse(missing.err().contains("\tat "), missing.err());

        Path dev = dir.resolve("null.png");
        exec("mknod", dev.toString(), "c", "1", "3");
        CliTest.Result toDevice = run(concat(base, dev.toString()));
        assertEquals(0, toDevice.status(), toDevice.err());
        assertEquals(CHAR_DEVICE, fileType(dev));
        assertOnlyEntries("r.png", "d.svg", "null.png");
    }

    @Test
    void jsonToAFileFollowsTheSameRules() throws Exception {
        String[] base = {"spikes", "--model", W8, "--ids", "5,17,300,42", "--threads", "1", "--json"};
        CliTest.Result toStdout = run(base);
        assertEquals(0, toStdout.status(), toStdout.err());
        Path file = Files.writeString(dir.resolve("s.json"), "mine", StandardCharsets.UTF_8);
        CliTest.Result r = run(concat(base, file.toString()));
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("--json " + file) && r.err().contains("--force"), r.err());
        assertEquals("mine", Files.readString(file));
        CliTest.Result forced = run(concat(base, file.toString(), "--force"));
        assertEquals(0, forced.status(), forced.err());
        assertEquals(toStdout.out(), Files.readString(file), "the same JSON as on standard output");
        assertEquals("", forced.out());
        CliTest.Result toDevNull = run(concat(base, "/dev/null"));
        assertEquals(0, toDevNull.status(), toDevNull.err());
        assertEquals(CHAR_DEVICE, fileType(Path.of("/dev/null")));
        assertOnlyEntries("s.json");
    }

    @Test
    void demoNeverWritesIntoAFolderItDidNotCreate() throws Exception {
        Path mine = Files.createDirectories(dir.resolve("demo-v1"));
        Files.writeString(mine.resolve("notes.txt"), "mine", StandardCharsets.UTF_8);
        CliTest.Result r = run("demo", "--cache", dir.toString(), "--max-tokens", "1");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains(mine.toString()) && r.err().contains("not a demo checkpoint"), r.err());
        try (var s = Files.list(mine)) {
            assertEquals(java.util.List.of(mine.resolve("notes.txt")), s.toList(), "the folder holds only the user's file");
        }
        assertOnlyEntries("demo-v1");
    }

    @Test
    void aDemoCacheThatCannotBeCreatedIsASentence() {
        CliTest.Result r = run("demo", "--cache", "/proc/nope", "--max-tokens", "1");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("cannot create the demo cache folder /proc/nope: "), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        CliTest.Result file = run("demo", "--cache", "/dev/null", "--max-tokens", "1");
        assertEquals(2, file.status(), file.err());
        assertTrue(file.err().contains("/dev/null is not a folder"), file.err());
    }

    private static String[] concat(String[] a, String... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    private void assertOnlyEntries(String... names) throws IOException {
        try (var s = Files.list(dir)) {
            assertEquals(java.util.Set.of(names), s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()),
                    "no temporary left in " + dir);
        }
    }
}
