package io.spikert.bench.soak;

import io.spikert.model.ModelVariant;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The soak command's parts: options, the native memory tracking summary, and a short run end to end. */
class SoakTest {
    /** The head of {@code VM.native_memory summary} as Temurin 25 prints it. */
    static final String SUMMARY = """

            Native Memory Tracking:

            (Omitting categories weighting less than 1KB)

            Total: reserved=7742094KB, committed=487474KB
                   malloc: 19226KB #52185, peak=18745KB #52029
                   mmap:   reserved=7722868KB, committed=468248KB

            -                 Java Heap (reserved=6172672KB, committed=393216KB)
                                        (mmap: reserved=6172672KB, committed=393216KB, at peak)

            -                     Class (reserved=1048801KB, committed=1761KB)
                                        (classes #3419)
                                        (malloc=225KB tag=Class #5490) (peak=225KB #5485)

            -                        GC (reserved=158276KB, committed=45396KB)
                                        (malloc=4744KB tag=GC #1567) (peak=4764KB #1511)
            """;

    @Test
    void parsesTheNativeMemorySummary() {
        NativeMemory m = NativeMemory.parse(SUMMARY);
        assertTrue(m.tracked());
        assertEquals(487474L * 1024, m.committedBytes());
        assertEquals(19226L * 1024, m.mallocBytes());
        assertEquals(52185, m.mallocCount());
        assertEquals(393216L * 1024, m.categories().get("Java Heap"));
        assertEquals(45396L * 1024, m.categories().get("GC"));
        assertEquals((487474L - 393216L) * 1024, m.committedOutsideHeapBytes());
        NativeMemory later = NativeMemory.parse(SUMMARY.replace("committed=45396KB", "committed=45400KB"));
        assertEquals(java.util.Map.of("GC", 4L * 1024), m.growthTo(later));
    }

    @Test
    void trackingOffIsUntracked() {
        NativeMemory off = NativeMemory.parse("Native memory tracking is not enabled");
        assertFalse(off.tracked());
        assertEquals(-1, off.committedOutsideHeapBytes());
    }

    @Test
    void optionsAreCheckedAndNamed() {
        var o = SoakOptions.parse(new String[] {"--cycles", "500", "--threads", "4", "--variant", "w8aspike"});
        assertEquals(500, o.cycles());
        assertEquals(4, o.threads());
        assertEquals(ModelVariant.W8ASPIKE, o.variant());
        assertEquals(50, o.warmup());
        assertEquals(1, o.computeThreads());
        var e = assertThrows(SoakOptions.UsageException.class, () -> SoakOptions.parse(new String[] {"--cycles", "0"}));
        assertTrue(e.getMessage().contains("--cycles"), e.getMessage());
        e = assertThrows(SoakOptions.UsageException.class, () -> SoakOptions.parse(new String[] {"--cycles", "10", "--warmup", "10"}));
        assertTrue(e.getMessage().contains("--warmup"), e.getMessage());
        e = assertThrows(SoakOptions.UsageException.class, () -> SoakOptions.parse(new String[] {"--model", "x", "--variant", "base"}));
        assertTrue(e.getMessage().contains("--variant"), e.getMessage());
        assertThrows(SoakOptions.UsageException.class, () -> SoakOptions.parse(new String[] {"--threads"}));
        assertThrows(SoakOptions.UsageException.class, () -> SoakOptions.parse(new String[] {"--frobnicate", "1"}));
    }

    @Test
    void aShortSoakPassesAndRemovesItsCheckpoint() throws Exception {
        var out = new ByteArrayOutputStream();
        var o = SoakOptions.parse(new String[] {"--cycles", "40", "--warmup", "10", "--threads", "2", "--report-every", "20"});
        boolean ok = Soak.run(o, new PrintStream(out, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(ok, text);
        assertTrue(text.contains("result: PASS"), text);
        assertTrue(text.contains("cycle 40 "), text);
        assertTrue(text.contains("model files 0"), text);
        var folder = java.util.regex.Pattern.compile("\\((/[^,]*spikert-soak-[0-9]+), removed at the end\\)").matcher(text);
        assertTrue(folder.find(), text);
        assertFalse(Files.exists(Path.of(folder.group(1))), "the synthetic checkpoint folder is removed: " + folder.group(1));
    }

    @Test
    void aFolderWithoutConfigIsRefusedByName() throws Exception {
        Path empty = Files.createTempDirectory("soak-empty");
        try {
            var o = SoakOptions.parse(new String[] {"--model", empty.toString(), "--cycles", "2"});
            var e = assertThrows(java.io.IOException.class, () -> Soak.run(o, new PrintStream(new ByteArrayOutputStream())));
            assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("config.json"), e.getMessage());
        } finally {
            Files.delete(empty);
        }
    }
}
