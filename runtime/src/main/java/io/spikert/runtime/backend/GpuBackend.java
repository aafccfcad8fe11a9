package io.spikert.runtime.backend;

import io.spikert.ffm.ComputeCapability;
import io.spikert.ffm.GpuBlas;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuException;
import io.spikert.ffm.NativeLibraryNotFoundException;
import io.spikert.ffm.Vendor;
import io.spikert.kernels.Bf16;
import io.spikert.runtime.Cleanup;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceFloats;
import io.spikert.runtime.gpu.DeviceGlaState;
import io.spikert.runtime.gpu.DeviceInt8Matrix;
import io.spikert.runtime.gpu.DeviceInts;
import io.spikert.runtime.gpu.DeviceKvRing;
import io.spikert.runtime.gpu.DeviceMatrix;
import io.spikert.runtime.gpu.DeviceMemory;
import io.spikert.runtime.gpu.DeviceOpException;
import io.spikert.runtime.gpu.DeviceOps;
import io.spikert.runtime.gpu.DeviceSpikes;
import io.spikert.runtime.gpu.DeviceVector;
import io.spikert.runtime.gpu.KernelCatalog;
import io.spikert.runtime.gpu.LoadedKernels;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * A GPU (CUDA or MACA through ffm-bindings, or the fake GPU in tests): device 0, SpikeRT's kernels loaded
 * from the committed PTX for its compute capability, the vendor's BLAS where installed, and the model's
 * operators over them through {@link DeviceOps}. Weights are uploaded once as they are bound, sessions'
 * activations and states are device memory, so a token costs one small upload (its id) and one
 * download (its logits).
 *
 * <p>Only the thread that opened the backend may use it: the GPU context is current on that thread.
 */
public final class GpuBackend implements Backend {
    /** Prefill chunk of a session: larger than the CPU's, since a launch costs more than a loop. */
    public static final int DEFAULT_CHUNK = 256;

    private final GpuDriver driver;
    private final GpuBlas blas;
    private final LoadedKernels kernels;
    private final DeviceOps ops;
    private final ComputeCapability capability;
    private final Thread owner;

    private GpuBackend(GpuDriver driver, GpuBlas blas, LoadedKernels kernels, ComputeCapability capability) {
        this.driver = driver;
        this.blas = blas;
        this.kernels = kernels;
        this.capability = capability;
        this.ops = new DeviceOps(driver, kernels, blas);
        this.owner = Thread.currentThread();
    }

    /**
     * Opens device 0 of {@code vendor} and loads the kernels; fails with the driver's clear "not found
     * (looked in ...)" error. Without cuBLAS / mcBLAS the F32 products use SpikeRT's own kernels.
     */
    public static GpuBackend open(Vendor vendor) {
        return open(vendor, Tuning.defaults());
    }

    /** As {@link #open(Vendor)}, with the switches of {@code tuning} (every launch checked, for one). */
    public static GpuBackend open(Vendor vendor, Tuning tuning) {
        GpuDriver driver = vendor.open();
        LoadedKernels kernels = null;
        GpuBlas blas = null;
        try {
            if (driver.deviceCount() < 1) {
                throw new IllegalStateException(vendor + " driver found (" + driver.librarySource() + ") but no device");
            }
            driver.useDevice(0);
            ComputeCapability cc = driver.computeCapability(0);
            kernels = KernelCatalog.load(driver, KernelCatalog.arch(cc));
            blas = openBlasIfPresent(driver);
            GpuBackend gpu = new GpuBackend(driver, blas, kernels, cc);
            gpu.ops.checkEachLaunch(tuning.checkEachLaunch());
            return gpu;
        } catch (RuntimeException e) {
            if (blas != null) {
                blas.close();
            }
            if (kernels != null) {
                kernels.close();
            }
            driver.close();
            throw e;
        }
    }

    private static GpuBlas openBlasIfPresent(GpuDriver driver) {
        try {
            return driver.openBlas();
        } catch (NativeLibraryNotFoundException | GpuException e) {
            return null;
        }
    }

    @Override
    public String name() {
        return driver.vendor().name().toLowerCase() + " (" + driver.deviceName(0) + ", compute capability " + capability
                + ", PTX " + kernels.arch() + ", " + (blas != null ? "BLAS" : "no BLAS") + ")";
    }

    /** The typed device operators; for use on the backend's thread only ({@link #checkThread()}). */
    public DeviceOps ops() {
        checkThread();
        return ops;
    }

    public GpuDriver driver() {
        return driver;
    }

    /** The PTX target loaded, "sm_80" or "sm_90". */
    public String arch() {
        return kernels.arch();
    }

    @Override
    public int defaultChunk() {
        return DEFAULT_CHUNK;
    }

    @Override
    public boolean deviceMemory() {
        return true;
    }

    @Override
    public boolean runsFloatSpikeForm() {
        return false;
    }

    /** F32 and BF16 ({@link DeviceKvRing}: the swa kernels and their _bf16 twins). */
    @Override
    public boolean holdsKvCache(KvPrecision precision) {
        return true;
    }

    @Override
    public Memory newMemory(String owner) {
        checkThread();
        return new DeviceMemory(new DeviceArena(driver, owner));
    }

    @Override
    public void upload(int[] ids, int from, int count, Ints dst) {
        checkThread();
        long bytes = 4L * count;
        try {
            driver.copyToDevice(((DeviceInts) dst).pointer(), MemorySegment.ofArray(ids).asSlice(4L * from, bytes), bytes);
        } catch (RuntimeException e) {
            throw new DeviceOpException("copying " + count + " token ids to the device: " + e.getMessage(), e);
        }
    }

    @Override
    public void upload(float[] src, int from, int count, Floats dst) {
        checkThread();
        long bytes = 4L * count;
        try {
            driver.copyToDevice(DeviceFloats.pointer(dst, "upload"), MemorySegment.ofArray(src).asSlice(4L * from, bytes), bytes);
        } catch (RuntimeException e) {
            throw new DeviceOpException("copying " + count + " floats to the device: " + e.getMessage(), e);
        }
    }

    /** The copy waits for the kernels before it, so an earlier asynchronous fault surfaces here. */
    @Override
    public void download(Floats src, int count, float[] dst, int dstOff) {
        checkThread();
        long bytes = 4L * count;
        try {
            driver.copyToHost(MemorySegment.ofArray(dst).asSlice(4L * dstOff, bytes), DeviceFloats.pointer(src, "download"), bytes);
        } catch (RuntimeException e) {
            throw new DeviceOpException("copying " + count + " floats to the host (waits for the kernels before it, so a"
                    + " fault in any of them shows here): " + e.getMessage(), e);
        }
    }

    @Override
    public void download(Spikes src, int rows, int width, int[] counts, float[] vth) {
        checkThread();
        DeviceSpikes s = (DeviceSpikes) src;
        try {
            driver.copyToHost(MemorySegment.ofArray(counts).asSlice(0, 4L * rows * width), s.counts(), 4L * rows * width);
            driver.copyToHost(MemorySegment.ofArray(vth).asSlice(0, 4L * rows), s.vth(), 4L * rows);
        } catch (RuntimeException e) {
            throw new DeviceOpException("copying the spike counts of " + rows + " tokens to the host: " + e.getMessage(), e);
        }
    }

    @Override
    public void embed(Matrix table, Ints ids, int count, Floats out) {
        ops.gather((DeviceMatrix) table, ((DeviceInts) ids).pointer(), count, p(out, "embed"));
    }

    @Override
    public void rmsnorm(Floats x, WeightVector w, Floats out, int n, int rows, float eps) {
        ops.rmsnorm(p(x, "rmsnorm x"), ((DeviceVector) w).pointer(), p(out, "rmsnorm out"), n, rows, eps);
    }

    @Override
    public void add(Floats x, Floats y, int n) {
        ops.add(p(x, "add x"), p(y, "add y"), n);
    }

    @Override
    public void siluMul(Floats gate, Floats up, Floats out, int n) {
        ops.siluMul(p(gate, "siluMul gate"), p(up, "siluMul up"), p(out, "siluMul out"), n);
    }

    /** One launch when there is a bias or an activation, none otherwise. */
    @Override
    public void biasAct(Floats y, WeightVector bias, int n, int rows, Activation act, float divisor) {
        if (bias != null || act != Activation.NONE) {
            ops.biasAct(p(y, "biasAct"), bias == null ? 0L : ((DeviceVector) bias).pointer(), n, rows, act, divisor);
        }
    }

    @Override
    public void linear(Matrix w, Floats x, int rows, Floats y) {
        ops.linear((DeviceMatrix) w, p(x, w.name(), " input"), rows, p(y, w.name(), " output"));
    }

    @Override
    public void int8Linear(Int8Matrix w, Floats x, int rows, Floats y) {
        ops.int8Linear((DeviceInt8Matrix) w, p(x, w.name(), " input"), rows, p(y, w.name(), " output"));
    }

    @Override
    public void spikeEncode(Floats x, int n, float k, int rows, Spikes out) {
        DeviceSpikes s = (DeviceSpikes) out;
        if (rows > s.rows() || n > s.width()) {
            throw new IllegalArgumentException("spikeEncode: " + rows + " rows of " + n + " features into spike buffers of "
                    + s.rows() + " x " + s.width());
        }
        ops.spikeEncode(p(x, "spikeEncode"), s.counts(), s.vth(), n, k, rows);
    }

    /** The device's INT8 products read every code: each row's kernel is {@link SpikeKernel#DENSE_INT8}. */
    @Override
    public SpikeKernel[] spikeLinear(Int8Matrix w, Spikes spikes, int rows, Floats y) {
        DeviceSpikes s = (DeviceSpikes) spikes;
        ops.spikeLinear((DeviceInt8Matrix) w, s.counts(), s.vth(), rows, p(y, w.name(), " output"));
        SpikeKernel[] used = new SpikeKernel[rows];
        Arrays.fill(used, SpikeKernel.DENSE_INT8);
        return used;
    }

    @Override
    public void spikeQuantize(Floats x, int n, float k, int rows) {
        ops.spikeQuantize(p(x, "spikeQuantize"), n, k, rows);
    }

    @Override
    public void int8Quantize(Floats x, int n, int rows) {
        ops.int8Quantize(p(x, "int8Quantize"), n, rows);
    }

    /** theta travels as a float (1e4, 5e5, 1e6 are exact); the kernel widens it, as the CPU's double. */
    @Override
    public void ropeAngles(Floats cos, Floats sin, long pos0, int tokens, int headDim, double theta) {
        ops.ropeAngles(p(cos, "ropeAngles cos"), p(sin, "ropeAngles sin"), pos0, tokens, headDim, (float) theta);
    }

    @Override
    public void rope(Floats x, Floats cos, Floats sin, int tokens, int heads, int headDim, int ld) {
        ops.rope(p(x, "rope"), p(cos, "rope cos"), p(sin, "rope sin"), tokens, heads, headDim, ld);
    }

    @Override
    public void gla(GlaState state, Floats q, Floats k, Floats v, Floats g, Floats out, int tokens, int group, float scale) {
        DeviceGlaState st = (DeviceGlaState) state;
        long s = st.state().pointer();
        int d = st.headDim();
        int kvHeads = st.kvHeads();
        if (tokens == 1) {
            ops.glaStep(s, p(q, "gla q"), p(k, "gla k"), p(v, "gla v"), p(g, "gla g"), p(out, "gla out"), d, group, scale,
                    kvHeads);
        } else {
            ops.glaChunk(s, p(q, "gla q"), p(k, "gla k"), p(v, "gla v"), p(g, "gla g"), p(out, "gla out"), d, group, tokens,
                    scale, kvHeads, kvHeads * group * d, kvHeads * d, kvHeads * group * d);
        }
    }

    /**
     * The chunk's keys and values enter the ring first (it holds W + chunk slots), then one block per query
     * attends for a chunk, or the key range is split over many blocks for a decode step, and for each query of a
     * chunk whose window is past one block's shared memory (a full-attention model's long context).
     */
    @Override
    public void swa(KvCache cache, Floats q, Floats k, Floats v, Floats out, int tokens, long pos0, int group, float scale) {
        DeviceKvRing ring = (DeviceKvRing) cache;
        int d = ring.headDim();
        int kvHeads = ring.kvHeads();
        int heads = kvHeads * group;
        if (heads != ring.queryHeads()) {
            throw new IllegalArgumentException("swa: " + heads + " query heads on a cache made for " + ring.queryHeads());
        }
        long keys = ring.keys().pointer();
        long values = ring.values().pointer();
        long qp = p(q, "swa q"), op = p(out, "swa out");
        KvPrecision precision = ring.precision();
        ops.kvStore(precision, keys, values, p(k, "swa k"), p(v, "swa v"), tokens, kvHeads, d, ring.capacity(), pos0,
                kvHeads * d);
        if (tokens == 1) {
            ops.swaDecode(precision, qp, keys, values, op, ring.scratch().pointer(), ring.scratch().bytes(), heads,
                    kvHeads, d, ring.capacity(), ring.window(), pos0, scale);
        } else if (!DeviceOps.swaAttendFits(ring.window())) {
            // A window past swa_attend's shared memory (a full-attention model's long context): each query of the
            // chunk attends by key splits as a decode step does; the chunk's keys are in the ring already.
            long row = 4L * heads * d;
            for (int t = 0; t < tokens; t++) {
                ops.swaDecode(precision, qp + t * row, keys, values, op + t * row, ring.scratch().pointer(),
                        ring.scratch().bytes(), heads, kvHeads, d, ring.capacity(), ring.window(), pos0 + t, scale);
            }
        } else {
            ops.swaAttend(precision, qp, keys, values, op, tokens, heads, kvHeads, d, ring.capacity(), ring.window(),
                    pos0, scale, heads * d, heads * d);
        }
    }

    /**
     * Device-to-host copies only: the GLA state in one, an SWA ring's kept positions in one or two per kv head
     * for the keys and as many for the values. The first copy waits for the kernels that wrote the state.
     */
    @Override
    public float[] saveState(RecurrentState state, long position) {
        float[] image = new float[Math.toIntExact(StateImage.floats(state, position))];
        copyState(state, position, image, true);
        return image;
    }

    /** Host-to-device copies only, the mirror of {@link #saveState}; the ring's other slots are never read. */
    @Override
    public void loadState(float[] image, long position, RecurrentState state) {
        StateImage.checkLength(image, state, position);
        copyState(state, position, image, false);
    }

    private void copyState(RecurrentState state, long position, float[] image, boolean save) {
        MemorySegment host = MemorySegment.ofArray(image);
        switch (state) {
            case DeviceGlaState g -> copy(host, g.state().pointer(), 4L * image.length, save, "GLA state");
            case DeviceKvRing ring -> {
                int d = ring.headDim();
                int n = StateImage.keptPositions(ring, position);
                int e = ring.precision().bytes();
                // A BF16 ring's slots go through BF16 bits laid out as the image: widened exactly after a save,
                // rounded to nearest even before a load (as the CPU's BF16 ring reads and writes its image).
                short[] bits = ring.precision() == KvPrecision.BF16 ? new short[image.length] : null;
                if (bits != null && !save) {
                    Bf16.store(image, 0, image.length, bits, 0);
                }
                MemorySegment staged = bits != null ? MemorySegment.ofArray(bits) : host;
                long half = (long) e * ring.kvHeads() * n * d; // the keys' bytes; the values follow
                for (int j = 0; j < ring.kvHeads(); j++) {
                    long head = (long) e * j * n * d;
                    long ringHead = (long) e * j * ring.capacity() * d;
                    StateImage.runs(position, n, ring.capacity(), (index, slot, count) -> {
                        long at = head + (long) e * index * d;
                        long slotAt = ringHead + (long) e * slot * d;
                        long bytes = (long) e * count * d;
                        copy(staged.asSlice(at, bytes), ring.keys().at(slotAt), bytes, save, "SWA key ring");
                        copy(staged.asSlice(half + at, bytes), ring.values().at(slotAt), bytes, save, "SWA value ring");
                    });
                }
                if (bits != null && save) {
                    Bf16.widen(bits, 0, bits.length, image, 0);
                }
            }
            default -> throw new IllegalArgumentException((save ? "saveState" : "loadState") + ": not a device state ("
                    + state + ")");
        }
    }

    private void copy(MemorySegment host, long device, long bytes, boolean save, String what) {
        if (bytes == 0) {
            return;
        }
        try {
            if (save) {
                driver.copyToHost(host, device, bytes);
            } else {
                driver.copyToDevice(device, host, bytes);
            }
        } catch (RuntimeException e) {
            throw new DeviceOpException("copying " + bytes + " bytes of " + what + (save ? " to the host" : " to the device")
                    + ": " + e.getMessage(), e);
        }
    }

    private static long p(Floats f, String operand) {
        return DeviceFloats.pointer(f, operand);
    }

    private static long p(Floats f, String owner, String role) {
        return DeviceFloats.pointer(f, owner, role);
    }

    @Override
    public long weightBytesRead() {
        return ops.weightBytesRead();
    }

    /** Fails unless called on the thread that opened the backend, where the GPU context is current. */
    public void checkThread() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("GpuBackend used from thread " + Thread.currentThread().getName()
                    + "; the GPU context is current on " + owner.getName() + " only");
        }
    }

    /** Frees the kernels, BLAS and the driver; memory the model and sessions hold must be closed first. */
    @Override
    public void close() {
        Cleanup.runAll(List.of(kernels::close, () -> {
            if (blas != null) {
                blas.close();
            }
        }, driver::close));
    }
}
