package io.spikert.bench.gpu;

import static io.spikert.ffm.cuda.CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static io.spikert.ffm.cuda.CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static io.spikert.ffm.cuda.CudaDriver.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH;
import static io.spikert.ffm.cuda.CudaDriver.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE;
import static io.spikert.ffm.cuda.CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.ffm.GpuBlas;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuException;
import io.spikert.ffm.NativeLibraryNotFoundException;
import io.spikert.ffm.Vendor;
import io.spikert.ffm.cuda.CudaGpuDriver;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.backend.GpuBackend;
import io.spikert.runtime.gpu.KernelCatalog;
import io.spikert.runtime.gpu.LoadedKernels;
import java.io.IOException;
import java.util.List;

/**
 * The GPU benchmark, on CUDA device 0: HBM bandwidth, GEMM throughput of SpikeRT's matmul_bf16
 * against cuBLAS, the decode weight-streaming bound of the 7B shape against the HBM bound, a
 * prefill weight-product estimate, and then the device-resident model itself (its agreement with
 * the CPU backend, and its prefill and decode tokens/s at the 7B shape), and W8ASpike resident (its
 * agreement and decode ms/token on a small synthetic checkpoint), all in one run so the figures share one
 * device and one clock.
 * Writes gpu-bench.txt and gpu-bench.json into {@code --out}. Exit status: 0 done, 2 no usable GPU
 * or bad options, 1 a failure during the run.
 */
public final class GpuBench {
    private GpuBench() {}

    public static void main(String[] args) throws IOException {
        GpuBenchOptions options;
        try {
            options = GpuBenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        GpuDriver driver;
        try {
            driver = Vendor.CUDA.open();
        } catch (NativeLibraryNotFoundException | GpuException e) {
            System.err.println("gpu-bench: no usable GPU, nothing measured: " + e.getMessage());
            System.exit(2);
            return;
        }
        GpuBenchReport report = new GpuBenchReport(System.out);
        report.saveAsItGoes(options.out());
        int status = 0;
        try (driver) {
            if (driver.deviceCount() < 1) {
                System.err.println("gpu-bench: CUDA driver found (" + driver.librarySource() + ") but no device; nothing measured");
                System.exit(2);
                return;
            }
            run(driver, options, report);
        } catch (RuntimeException e) {
            report.line("gpu-bench: FAILED: %s", e);
            report.section("error").put("message", e.toString());
            e.printStackTrace();
            status = 1;
        }
        report.write(options.out());
        System.out.println("gpu-bench: wrote " + options.out().resolve("gpu-bench.txt") + " and gpu-bench.json");
        System.exit(status);
    }

    private static void run(GpuDriver driver, GpuBenchOptions o, GpuBenchReport report) {
        driver.useDevice(0);
        String arch = describeDevice(driver, report);
        GpuBlas blas = openBlas(driver, report);
        try (LoadedKernels kernels = KernelCatalog.load(driver, arch);
             DeviceTimer timer = new DeviceTimer(driver)) {
            Products products = new Products(driver, kernels, blas, driver.warpSize(0));
            double hbm = HbmBandwidth.measure(driver, timer, o.copyMiB() << 20, o.reps(), report);
            GemmComparison.run(driver, products, timer, o.gemmSize(), o.reps(), report);

            List<WeightMatrix> matrices = WeightMatrix.of(SyntheticCheckpoint.Dims.SEVEN_B);
            long weightBytes = DeviceWeights.totalBytes(matrices);
            report.line("[weights] generating %d BF16 matrices of the 7B shape on the device (%.2f GiB) ...",
                    matrices.size(), weightBytes / DeviceMemory.GIB);
            long t0 = System.nanoTime();
            try (DeviceMemory mem = new DeviceMemory(driver)) {
                DeviceWeights weights = new DeviceWeights(mem, matrices);
                driver.synchronize();
                report.line("[weights] done in %.1f s", (System.nanoTime() - t0) / 1e9);
                DecodeWeightStreaming.run(mem, weights, products, timer, hbm, o.reps(), report);
                PrefillEstimate.run(driver, weights, products, timer, o.prefillTokens(), o.reps(), report);
            }
            residentModel(hbm, o, report);
        } finally {
            if (blas != null) {
                blas.close();
            }
        }
        report.line("gpu-bench: done");
    }

    /**
     * The device-resident model after the bounds (whose weights are freed by then): agreement with the
     * CPU backend, then prefill and decode speed of the chosen shape. A failure here is reported in its
     * own section, so the figures above still stand.
     */
    private static void residentModel(double hbm, GpuBenchOptions o, GpuBenchReport report) {
        try (GpuBackend gpu = GpuBackend.open(Vendor.CUDA, io.spikert.runtime.Tuning.fromSystemProperties())) {
            report.line("[resident] %s", gpu.name());
            ResidentModelBench.agreement(gpu, report);
            ResidentModelBench.speed(gpu, o.dims(), o.shape(), hbm, o.prefillTokens(), o.decodeSteps(), report);
        } catch (RuntimeException e) {
            report.line("[resident] FAILED: %s", e);
            report.section("residentError").put("message", e.toString());
            e.printStackTrace();
        }
        try (GpuBackend gpu = GpuBackend.open(Vendor.CUDA, io.spikert.runtime.Tuning.fromSystemProperties())) {
            ResidentW8ASpikeBench.run(gpu, SyntheticCheckpoint.Dims.DEMO, hbm, o.decodeSteps(), report);
        } catch (RuntimeException e) {
            report.line("[w8aspike] FAILED: %s", e);
            report.section("w8aspikeError").put("message", e.toString());
            e.printStackTrace();
        }
    }

    /** Prints and records the device; returns the PTX target to load. */
    private static String describeDevice(GpuDriver driver, GpuBenchReport report) {
        ObjectNode j = report.section("device");
        String name = driver.deviceName(0);
        j.put("name", name);
        j.put("vendor", driver.vendor().name());
        j.put("driverLibrary", driver.librarySource());
        j.put("totalMemoryBytes", driver.totalMemory(0));
        String arch;
        if (driver instanceof CudaGpuDriver cuda) {
            int major = cuda.attribute(0, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR());
            int minor = cuda.attribute(0, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR());
            int sms = cuda.attribute(0, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT());
            long memClockKHz = cuda.attribute(0, CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE());
            long busBits = cuda.attribute(0, CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH());
            // Double data rate: two transfers per clock over the whole bus.
            double peak = 2.0 * memClockKHz * 1e3 * busBits / 8;
            arch = KernelCatalog.arch(major, minor);
            j.put("driverVersion", cuda.driverVersion());
            j.put("computeCapability", major + "." + minor);
            j.put("multiprocessors", sms);
            j.put("nominalBandwidthGBps", peak / 1e9);
            report.line("[device] %s, compute capability %d.%d, %d SMs, %.1f GiB, driver %d, nominal HBM %.0f GB/s (from clock x bus width)",
                    name, major, minor, sms, driver.totalMemory(0) / DeviceMemory.GIB, cuda.driverVersion(), peak / 1e9);
        } else {
            arch = KernelCatalog.arch(driver.computeCapability(0));
            report.line("[device] %s", name);
        }
        j.put("ptxTarget", arch);
        report.line("[device] driver library %s; kernels: committed PTX for %s", driver.librarySource(), arch);
        return arch;
    }

    private static GpuBlas openBlas(GpuDriver driver, GpuBenchReport report) {
        try {
            GpuBlas blas = driver.openBlas();
            report.section("device").put("cublas", "found");
            report.line("[device] cuBLAS found");
            return blas;
        } catch (NativeLibraryNotFoundException | GpuException e) {
            report.section("device").put("cublas", "not available: " + e.getMessage());
            report.line("[device] cuBLAS not available, comparisons skipped: %s", e.getMessage());
            return null;
        }
    }
}
