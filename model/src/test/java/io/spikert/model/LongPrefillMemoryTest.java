package io.spikert.model;

import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.memory.NativeMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A 100k-token prompt must run in the memory of a short one: chunked prefill, constant state. */
class LongPrefillMemoryTest {
    static final SyntheticCheckpoint.Dims TINY = new SyntheticCheckpoint.Dims(256, 32, 2, 2, 1, 64, 16);

    @Test
    void prefillOf100kTokensKeepsHeapAndNativeMemoryFlat(@TempDir Path dir) throws IOException {
        TestModels.write(dir, TINY, DType.F32);
        try (var backend = new CpuBackend(2); var model = SpikingBrainModel.load(dir, backend)) {
            Session s = model.newSession();
            int[] block = TestModels.ids(10_000, TINY.vocab(), 5);
            s.prefill(block);
            long heap0 = usedHeapAfterGc();
            long native0 = nativeBytes();
            long state0 = s.stateBytes();
            long rss0 = residentBytes();
            float[] last = null;
            for (int i = 0; i < 9; i++) {
                last = s.prefill(block);
            }
            long heap1 = usedHeapAfterGc();
            long native1 = nativeBytes();
            long rss1 = residentBytes();
            assertEquals(100_000, s.position());
            assertEquals(state0, s.stateBytes(), "recurrent state must not grow with the sequence");
            assertTrue(heap1 - heap0 < 8L << 20, "heap grew by " + (heap1 - heap0) + " bytes over 90k tokens");
            assertTrue(native1 - native0 < 1L << 20, "native memory grew by " + (native1 - native0) + " bytes");
            assertTrue(rss1 - rss0 < 96L << 20, "resident memory grew by " + (rss1 - rss0) + " bytes");
            for (float v : last) {
                assertTrue(Float.isFinite(v), "logits stay finite after 100k tokens");
            }
        }
    }

    /** Also one prompt of 100k tokens in a single call. */
    @Test
    void singleCallOf100kTokens(@TempDir Path dir) throws IOException {
        TestModels.write(dir, TINY, DType.BF16);
        try (var backend = new CpuBackend(2); var model = SpikingBrainModel.load(dir, backend)) {
            Session s = model.newSession();
            long heap0 = usedHeapAfterGc();
            float[] logits = s.prefill(TestModels.ids(100_000, TINY.vocab(), 6));
            long heap1 = usedHeapAfterGc();
            assertEquals(100_000, s.position());
            // the ids array itself is 400 kB; everything else must be chunk-sized
            assertTrue(heap1 - heap0 < 8L << 20, "heap grew by " + (heap1 - heap0));
            assertTrue(Float.isFinite(logits[0]));
        }
    }

    private static long usedHeapAfterGc() {
        var rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /** Native memory the runtime allocated, plus direct buffers; the resident set is checked separately. */
    private static long nativeBytes() {
        return NativeMemory.totalAllocatedBytes() + ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /** VmRSS: catches native growth that no counter sees (mapped pages, malloc). */
    private static long residentBytes() throws IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
