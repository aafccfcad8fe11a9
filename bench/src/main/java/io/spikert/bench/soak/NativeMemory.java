package io.spikert.bench.soak;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Native memory tracking's summary of this JVM, read through the DiagnosticCommand MBean (what
 * {@code jcmd PID VM.native_memory summary} prints), in bytes. The JVM must run with
 * {@code -XX:NativeMemoryTracking=summary}; otherwise {@link #tracked()} is false and the figures are -1.
 *
 * @param committedBytes  every category's committed memory, the Java heap included
 * @param mallocBytes     the JVM's malloc'ed bytes (all categories) and {@code mallocCount} their number
 * @param categories      committed bytes by category ("Java Heap", "Class", "Thread", "Code", "GC", "Other", ...)
 */
public record NativeMemory(long committedBytes, long mallocBytes, long mallocCount, SequencedMap<String, Long> categories) {

    private static final Pattern TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    private static final Pattern MALLOC = Pattern.compile("malloc: (\\d+)KB #(\\d+)");
    private static final Pattern CATEGORY = Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)", Pattern.MULTILINE);

    static final NativeMemory UNTRACKED = new NativeMemory(-1, -1, -1, new LinkedHashMap<>());

    public boolean tracked() {
        return committedBytes >= 0;
    }

    /** Committed memory outside the Java heap: what a native leak would grow. */
    public long committedOutsideHeapBytes() {
        return tracked() ? committedBytes - categories.getOrDefault("Java Heap", 0L) : -1;
    }

    public static NativeMemory now() {
        String summary;
        try {
            summary = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
        } catch (JMException | RuntimeException e) {
            return UNTRACKED;
        }
        return parse(summary);
    }

    /** Parses the summary text; {@link #UNTRACKED} when it has no total (tracking off). */
    static NativeMemory parse(String summary) {
        Matcher total = TOTAL.matcher(summary);
        if (!total.find()) {
            return UNTRACKED;
        }
        long committed = Long.parseLong(total.group(2)) * 1024;
        Matcher malloc = MALLOC.matcher(summary);
        long mallocBytes = -1;
        long mallocCount = -1;
        if (malloc.find(total.end())) {
            mallocBytes = Long.parseLong(malloc.group(1)) * 1024;
            mallocCount = Long.parseLong(malloc.group(2));
        }
        SequencedMap<String, Long> categories = new LinkedHashMap<>();
        Matcher c = CATEGORY.matcher(summary);
        while (c.find()) {
            categories.put(c.group(1).trim(), Long.parseLong(c.group(3)) * 1024);
        }
        return new NativeMemory(committed, mallocBytes, mallocCount, categories);
    }

    /** Category by category, the committed bytes {@code later} holds beyond this one (changes only). */
    public Map<String, Long> growthTo(NativeMemory later) {
        Map<String, Long> growth = new LinkedHashMap<>();
        for (var e : later.categories.entrySet()) {
            long d = e.getValue() - categories.getOrDefault(e.getKey(), 0L);
            if (d != 0) {
                growth.put(e.getKey(), d);
            }
        }
        for (var e : categories.entrySet()) {
            if (!later.categories.containsKey(e.getKey())) {
                growth.put(e.getKey(), -e.getValue());
            }
        }
        return growth;
    }
}
