package io.spikert.model;

import io.spikert.runtime.ProcessHandles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.ObjectName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What this process holds, as Linux reports it (/proc/self): open file descriptors, memory mappings, and
 * of both the ones that refer to files under one folder; resident memory (VmRSS, and outside the Java heap on request); and the JDK's native
 * buffer accounting (BufferPoolMXBean "direct", which counts direct buffers and Arena.ofAuto() allocations
 * but not those of confined or shared arenas, and "mapped", which counts file mappings made through
 * FileChannel.map, the checkpoint's included). Descriptors and mappings are exact
 * counts; resident memory moves with the heap and the JIT.
 */
record ProcessResources(int fds, int fdsUnder, int mappings, int mappingsUnder, long residentBytes,
                        long directCount, long directBytes, long mappedCount, long mappedBytes) {

    private static final Pattern ADDRESS = Pattern.compile("0x([0-9a-fA-F]+)");

    /**
     * Resident bytes of every mapping outside the Java heap's reserved range (from /proc/self/smaps; the
     * range from the GC.heap_info diagnostic command). Unlike VmRSS it does not move as the collector
     * commits and uncommits heap regions, which it does lazily and by hundreds of MB on this test's heap.
     */
    static long residentOutsideHeap() {
        long[] heap = heapRange();
        long total = 0;
        boolean inHeap = false;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                if (dash > 0 && space > dash && isHex(line, 0, dash)) {
                    long start = Long.parseUnsignedLong(line, 0, dash, 16);
                    inHeap = start >= heap[0] && start < heap[1];
                } else if (line.startsWith("Rss:") && !inHeap) {
                    total += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total;
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** [lowest, highest) address the GC.heap_info command names: the heap's reserved range. */
    private static long[] heapRange() {
        String info;
        try {
            info = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcHeapInfo",
                    new Object[] {null}, new String[] {String[].class.getName()});
        } catch (JMException e) {
            throw new IllegalStateException("GC.heap_info is not available", e);
        }
        long low = Long.MAX_VALUE;
        long high = 0;
        Matcher m = ADDRESS.matcher(info);
        while (m.find()) {
            long a = Long.parseUnsignedLong(m.group(1), 16);
            low = Math.min(low, a);
            high = Math.max(high, a);
        }
        if (high == 0) {
            throw new IllegalStateException("no heap range in GC.heap_info: " + info);
        }
        return new long[] {low, high};
    }

    /** A snapshot; {@code folder} (absolute, real path) picks the descriptors and mappings counted apart. */
    static ProcessResources now(Path folder) {
        ProcessHandles handles = ProcessHandles.now(folder);
        if (handles.fds() < 0 || handles.mappings() < 0) {
            throw new IllegalStateException("/proc/self/fd or /proc/self/maps cannot be read");
        }
        long rss = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BufferPoolMXBean direct = pool("direct");
        BufferPoolMXBean mapped = pool("mapped");
        return new ProcessResources(handles.fds(), handles.fdsUnder(), handles.mappings(), handles.mappingsUnder(), rss,
                direct.getCount(), direct.getMemoryUsed(), mapped.getCount(), mapped.getMemoryUsed());
    }

    private static BufferPoolMXBean pool(String name) {
        List<BufferPoolMXBean> pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
        return pools.stream().filter(p -> p.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no buffer pool \"" + name + "\" in " + pools.stream().map(BufferPoolMXBean::getName).toList()));
    }

    static boolean available() {
        return Files.isDirectory(Path.of("/proc/self/fd")) && Files.isReadable(Path.of("/proc/self/maps"));
    }
}
