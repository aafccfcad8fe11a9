package io.spikert.ffm.fake;

import io.spikert.ffm.LibraryLoader;
import io.spikert.ffm.NativeLibrary;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A GPU simulated on host memory, for running the whole driver path without a GPU: "device"
 * allocations are host allocations whose addresses serve as device pointers, copies copy, and
 * launches call the {@link FakeKernel} registered under the kernel's name. It stands behind fake
 * CUDA driver, cuBLAS, MACA runtime and mcBLAS symbol tables made of FFM upcall stubs.
 *
 * <p>There is one per process ({@link #shared()}), because the binding classes cache their
 * function handles for the life of the process; tests {@link #reset()} it between uses. Every
 * access to device memory is bounds-checked against its allocation, so argument-packing and
 * pointer-arithmetic mistakes fail loudly instead of corrupting memory.
 */
public final class FakeGpu {
    private static FakeGpu shared;

    private final Object lock = new Object();
    private final NavigableMap<Long, Allocation> allocations = new TreeMap<>();
    private final Map<String, FakeKernel> kernels = new HashMap<>();
    private final Map<Long, byte[]> modules = new HashMap<>();
    private final Map<Long, String> functions = new HashMap<>();
    private final Map<Long, Long> events = new HashMap<>();
    private final Map<Long, Boolean> streams = new HashMap<>();
    private final Map<String, Integer> injected = new HashMap<>();
    private final Map<String, int[]> delayed = new HashMap<>();
    private final List<Throwable> failures = new ArrayList<>();
    private final List<String> calls = new ArrayList<>();
    private final AtomicLong nextHandle = new AtomicLong(0x10_0000);
    private final Map<String, MemorySegment> strings = new HashMap<>();
    private final long totalBytes = 80L << 30;
    private boolean installed;

    private final UpcallTable cudaDriver;
    private final UpcallTable cublas;
    private final UpcallTable macaRuntime;
    private final UpcallTable mcblas;

    private record Allocation(long address, long bytes, Arena arena, boolean host) {
    }

    private FakeGpu() {
        Arena forever = Arena.global();
        cudaDriver = new UpcallTable(new FakeCudaDriverSymbols(this), FakeCudaDriverSymbols.CUDA_ERROR_UNKNOWN,
                this::fail, forever);
        cublas = new UpcallTable(new FakeBlasSymbols.Cublas(this), FakeBlasSymbols.STATUS_INTERNAL_ERROR,
                this::fail, forever);
        macaRuntime = new UpcallTable(new FakeMacaRuntimeSymbols(this), FakeMacaRuntimeSymbols.MC_ERROR_UNKNOWN,
                this::fail, forever);
        mcblas = new UpcallTable(new FakeBlasSymbols.Mcblas(this), FakeBlasSymbols.STATUS_INTERNAL_ERROR,
                this::fail, forever);
    }

    /** The process's fake GPU, created on first use. */
    public static synchronized FakeGpu shared() {
        if (shared == null) {
            shared = new FakeGpu();
        }
        return shared;
    }

    /**
     * Binds the fake libraries in {@link LibraryLoader} for the whole process: the CUDA driver and
     * cuBLAS, and the MACA runtime and mcBLAS. Must precede any real use of those libraries. Calling
     * it again is a no-op, so several test classes sharing one JVM can each install it.
     */
    public synchronized FakeGpu install() {
        if (!installed) {
            LibraryLoader.bind(NativeLibrary.CUDA_DRIVER, "fake CUDA driver", cudaDriver.lookup());
            LibraryLoader.bind(NativeLibrary.CUBLAS, "fake cuBLAS", cublas.lookup());
            LibraryLoader.bind(NativeLibrary.MACA_RUNTIME, "fake MACA runtime", macaRuntime.lookup());
            LibraryLoader.bind(NativeLibrary.MACA_BLAS, "fake mcBLAS", mcblas.lookup());
            installed = true;
        }
        return this;
    }

    /** The fake symbol table standing in for {@code library}. */
    public UpcallTable symbols(NativeLibrary library) {
        return switch (library) {
            case CUDA_DRIVER -> cudaDriver;
            case CUBLAS -> cublas;
            case MACA_RUNTIME -> macaRuntime;
            case MACA_BLAS -> mcblas;
            default -> throw new IllegalArgumentException("no fake for the " + library.displayName());
        };
    }

    public SymbolLookup lookup(NativeLibrary library) {
        return symbols(library).lookup();
    }

    /** Frees all fake device memory and forgets kernels, modules, failures, calls and injected errors. */
    public void reset() {
        synchronized (lock) {
            for (Allocation a : allocations.values()) {
                a.arena().close();
            }
            allocations.clear();
            kernels.clear();
            modules.clear();
            functions.clear();
            events.clear();
            streams.clear();
            injected.clear();
            delayed.clear();
            failures.clear();
            calls.clear();
        }
    }

    /** Runs {@code twin} whenever a kernel named {@code name} is launched. */
    public void registerKernel(String name, FakeKernel twin) {
        synchronized (lock) {
            kernels.put(name, twin);
        }
    }

    /** Makes the next call of C function {@code symbol} return {@code code} without doing anything. */
    public void failNext(String symbol, int code) {
        synchronized (lock) {
            injected.put(symbol, code);
        }
    }

    /**
     * Lets {@code skip} calls of C function {@code symbol} through, then makes the next one return
     * {@code code} without doing anything: a failure in the middle of a sequence of calls, e.g. the
     * tenth allocation of a model upload.
     */
    public void failLater(String symbol, int skip, int code) {
        if (skip < 0) {
            throw new IllegalArgumentException("skip must be >= 0, got " + skip);
        }
        synchronized (lock) {
            delayed.put(symbol, new int[] {skip, code});
        }
    }

    /** Exceptions raised inside fake calls (each turned into an error code at the C boundary). */
    public List<Throwable> failures() {
        synchronized (lock) {
            return List.copyOf(failures);
        }
    }

    /** The C functions called so far, in order. */
    public List<String> calls() {
        synchronized (lock) {
            return List.copyOf(calls);
        }
    }

    /** Bytes of fake device memory currently allocated. */
    public long allocatedBytes() {
        synchronized (lock) {
            return allocations.values().stream().filter(a -> !a.host()).mapToLong(Allocation::bytes).sum();
        }
    }

    /**
     * A bounds-checked view of {@code bytes} of fake device (or pinned host) memory at {@code pointer},
     * which may point inside an allocation.
     */
    public MemorySegment memory(long pointer, long bytes) {
        synchronized (lock) {
            Map.Entry<Long, Allocation> e = allocations.floorEntry(pointer);
            if (e == null || pointer + bytes > e.getKey() + e.getValue().bytes() || bytes < 0) {
                throw new IllegalArgumentException("fake GPU: " + bytes + " bytes at 0x" + Long.toHexString(pointer)
                        + " lie outside every allocation");
            }
            return MemorySegment.ofAddress(pointer).reinterpret(bytes);
        }
    }

    // ---- operations shared by the CUDA and MACA symbol tables -------------------------------------

    /** Returns an injected error code for {@code symbol}, or 0; records the call either way. */
    int enter(String symbol) {
        synchronized (lock) {
            calls.add(symbol);
            Integer code = injected.remove(symbol);
            if (code != null) {
                return code;
            }
            int[] later = delayed.get(symbol);
            if (later != null && later[0]-- == 0) {
                delayed.remove(symbol);
                return later[1];
            }
            return 0;
        }
    }

    void fail(Throwable t) {
        synchronized (lock) {
            failures.add(t);
        }
    }

    long allocate(long bytes, boolean host) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("fake GPU: allocation of " + bytes + " bytes");
        }
        Arena arena = Arena.ofShared();
        MemorySegment s = arena.allocate(bytes, 256);
        synchronized (lock) {
            allocations.put(s.address(), new Allocation(s.address(), bytes, arena, host));
        }
        return s.address();
    }

    /** Frees the allocation starting at {@code pointer}; false when there is none. */
    boolean release(long pointer, boolean host) {
        Allocation a;
        synchronized (lock) {
            a = allocations.get(pointer);
            if (a == null || a.host() != host) {
                return false;
            }
            allocations.remove(pointer);
        }
        a.arena().close();
        return true;
    }

    long totalBytes() {
        return totalBytes;
    }

    long newHandle() {
        return nextHandle.getAndAdd(16);
    }

    long createStream() {
        long h = newHandle();
        synchronized (lock) {
            streams.put(h, true);
        }
        return h;
    }

    boolean destroyStream(long h) {
        synchronized (lock) {
            return streams.remove(h) != null;
        }
    }

    boolean validStream(long h) {
        synchronized (lock) {
            return h == 0 || streams.containsKey(h);
        }
    }

    long createEvent() {
        long h = newHandle();
        synchronized (lock) {
            events.put(h, -1L);
        }
        return h;
    }

    boolean recordEvent(long h) {
        synchronized (lock) {
            if (!events.containsKey(h)) {
                return false;
            }
            events.put(h, System.nanoTime());
            return true;
        }
    }

    /** Nanosecond timestamp of a recorded event, -1 if never recorded, null if unknown. */
    Long eventTime(long h) {
        synchronized (lock) {
            return events.get(h);
        }
    }

    boolean destroyEvent(long h) {
        synchronized (lock) {
            return events.remove(h) != null;
        }
    }

    /** Loads PTX text (NUL-terminated) or a 64-bit ELF cubin; null for other images. */
    Long loadModule(MemorySegment image) {
        MemorySegment head = image.reinterpret(64);
        byte[] bytes;
        if (head.get(ValueLayout.JAVA_INT_UNALIGNED, 0) == 0x464C457F && head.get(ValueLayout.JAVA_BYTE, 4) == 2) {
            long shoff = head.get(ValueLayout.JAVA_LONG_UNALIGNED, 0x28);
            int shentsize = Short.toUnsignedInt(head.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0x3A));
            int shnum = Short.toUnsignedInt(head.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0x3C));
            bytes = image.reinterpret(shoff + (long) shentsize * shnum).toArray(ValueLayout.JAVA_BYTE);
        } else {
            String text = image.reinterpret(Integer.MAX_VALUE).getString(0);
            if (!text.contains(".entry")) {
                return null;
            }
            bytes = text.getBytes(StandardCharsets.UTF_8);
        }
        long h = newHandle();
        synchronized (lock) {
            modules.put(h, bytes);
        }
        return h;
    }

    boolean unloadModule(long h) {
        synchronized (lock) {
            return modules.remove(h) != null;
        }
    }

    /**
     * The function handle of kernel {@code name} in module {@code module}: 0 when the module is
     * unknown, -1 when the image does not mention the name (e.g. a C++-mangled name) or no twin is
     * registered for it.
     */
    long function(long module, String name) {
        synchronized (lock) {
            byte[] image = modules.get(module);
            if (image == null) {
                return 0;
            }
            if (!contains(image, name.getBytes(StandardCharsets.UTF_8)) || !kernels.containsKey(name)) {
                return -1;
            }
            long h = newHandle();
            functions.put(h, name);
            return h;
        }
    }

    /** CUDA's launch limits on every current NVIDIA device (and MetaX's): gridDim.y and .z, blockDim.z. */
    static final int MAX_GRID_YZ = 65535;
    static final int MAX_BLOCK_Z = 64;
    static final int MAX_BLOCK_THREADS = 1024;
    /** Dynamic shared memory a launch gets without a per-function opt-in attribute, which the fake does not offer. */
    static final int MAX_DYNAMIC_SHARED = 48 * 1024;

    /**
     * Whether a launch shape is one a real device accepts: a fake launch that succeeds where the
     * hardware answers CUDA_ERROR_INVALID_VALUE would hide the bug until the first real run.
     */
    static boolean withinLaunchLimits(int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes) {
        return gx > 0 && gy > 0 && gz > 0 && gy <= MAX_GRID_YZ && gz <= MAX_GRID_YZ
                && bx > 0 && by > 0 && bz > 0 && bx <= MAX_BLOCK_THREADS && by <= MAX_BLOCK_THREADS && bz <= MAX_BLOCK_Z
                && (long) bx * by * bz <= MAX_BLOCK_THREADS
                && sharedBytes >= 0 && sharedBytes <= MAX_DYNAMIC_SHARED;
    }

    /** Runs the twin of function handle {@code f}; false when the handle is unknown. */
    boolean launch(long f, int gx, int gy, int gz, int bx, int by, int bz, int shared, MemorySegment params) {
        String name;
        FakeKernel twin;
        synchronized (lock) {
            name = functions.get(f);
            twin = name == null ? null : kernels.get(name);
        }
        if (twin == null) {
            return false;
        }
        twin.run(new FakeLaunch(this, name, gx, gy, gz, bx, by, bz, shared, params.reinterpret(8 * 256)));
        return true;
    }

    /** A NUL-terminated copy of {@code text} that lives as long as the process (for const char* results). */
    MemorySegment cString(String text) {
        synchronized (lock) {
            return strings.computeIfAbsent(text, t -> Arena.global().allocateFrom(t));
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
