package io.spikert.model.convert;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.spikert.model.convert.ConvertFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** What a killed convert left ({@code DST.partial-*}) is removed by the next run when it is SpikeRT's, else named. */
class StalePartialsTest {
    @TempDir
    Path tmp;

    /** A partial folder as a convert killed mid-write leaves it: marker, config, a truncated checkpoint. */
    private Path leftBehind(String suffix, long pid, String processStart) throws IOException {
        Path p = Files.createDirectory(tmp.resolve("dst.partial-" + suffix));
        ConvertedFolder.markPartial(p);
        Files.writeString(p.resolve(ConvertedFolder.MARKER), "{\"written_by\":\"spikert convert\",\"pid\":" + pid
                + ",\"process_start\":\"" + processStart + "\",\"files\":[]}");
        Files.copy(TINY.resolve("f32/config.json"), p.resolve("config.json"));
        Files.write(p.resolve(Converter.OUTPUT_FILE), new byte[1000]);
        return p;
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        long pid = p.pid();
        assertTrue(ProcessHandle.of(pid).isEmpty() || !ProcessHandle.of(pid).get().isAlive(), "pid " + pid + " has ended");
        return pid;
    }

    private Captured convert() throws IOException {
        var c = new Captured();
        c.converter().convert(new Converter.Options(TINY.resolve("f32"), tmp.resolve("dst"), ConvertMode.ALIGNED, false));
        return c;
    }

    @Test
    void aPartialOfADeadConvertIsRemoved() throws Exception {
        Path stale = leftBehind("0badc0de", deadPid(), "");
        Captured c = convert();
        assertFalse(Files.exists(stale), c.out());
        assertTrue(c.out().contains("removed " + stale) && c.out().contains("no longer running"), c.out());
        assertOnly(tmp, "dst");
    }

    @Test
    void aReusedPidIsToldApartByItsStartTime() throws Exception {
        // this JVM's pid, but another start time: the convert that wrote it is gone
        Path stale = leftBehind("0000abcd", ProcessHandle.current().pid(), "1970-01-01T00:00:00Z");
        Captured c = convert();
        assertFalse(Files.exists(stale), c.out());
        assertOnly(tmp, "dst");
    }

    @Test
    void aPartialOfARunningConvertIsLeftAndNamed() throws Exception {
        Path live = Files.createDirectory(tmp.resolve("dst.partial-12345678"));
        ConvertedFolder.markPartial(live); // this process, still running
        Captured c = convert();
        assertTrue(Files.isRegularFile(live.resolve(ConvertedFolder.MARKER)));
        assertTrue(c.out().contains(live + " is being written by another convert"), c.out());
        assertOnly(tmp, "dst", "dst.partial-12345678");
    }

    @Test
    void aFolderOfADeadPidWrittenOnAnotherMachineIsLeft() throws Exception {
        // the pid is dead here, but the marker says it was written under another boot or pid namespace
        Path elsewhere = Files.createDirectory(tmp.resolve("dst.partial-0000beef"));
        Files.writeString(elsewhere.resolve(ConvertedFolder.MARKER), "{\"written_by\":\"spikert convert\",\"pid\":"
                + deadPid() + ",\"process_start\":\"\",\"host\":\"another-boot pid:[1]\",\"files\":[]}");
        Files.write(elsewhere.resolve(Converter.OUTPUT_FILE), new byte[1000]);
        var c = convert();
        assertTrue(Files.exists(elsewhere.resolve(Converter.OUTPUT_FILE)), "left as it is");
        assertTrue(c.out().contains("another machine or in another container"), c.out());
        assertFalse(ConvertedFolder.host().isEmpty(), "this machine's boot id and pid namespace are readable");
    }

    @Test
    void aFolderWithoutTheMarkerIsNamedNotDeleted() throws Exception {
        Path mine = Files.createDirectory(tmp.resolve("dst.partial-deadbeef"));
        Files.writeString(mine.resolve(Converter.OUTPUT_FILE), "mine", StandardCharsets.UTF_8);
        Captured c = convert();
        assertEquals("mine", Files.readString(mine.resolve(Converter.OUTPUT_FILE)));
        assertTrue(c.out().contains(mine + " has no " + ConvertedFolder.MARKER), c.out());
        assertOnly(tmp, "dst", "dst.partial-deadbeef");
    }

    @Test
    void aUsersFileInAStalePartialIsKept() throws Exception {
        Path stale = leftBehind("cafef00d", deadPid(), "");
        Files.writeString(stale.resolve("notes.txt"), "mine", StandardCharsets.UTF_8);
        Captured c = convert();
        assertOnly(stale, "notes.txt");
        assertTrue(c.out().contains("notes.txt"), c.out());
    }

    @Test
    void theSpaceAKilledRunTookIsFreedBeforeTheSpaceCheck() throws Exception {
        Path stale = leftBehind("0f0f0f0f", deadPid(), "");
        var c = new Captured();
        assertThrows(ConvertException.class, () -> c.converter().withUsableSpace(p -> 1000)
                .convert(new Converter.Options(TINY.resolve("f32"), tmp.resolve("dst"), ConvertMode.ALIGNED, false)));
        assertFalse(Files.exists(stale), "removed even though this run then stopped for lack of space: " + c.out());
        assertOnly(tmp);
    }
}
