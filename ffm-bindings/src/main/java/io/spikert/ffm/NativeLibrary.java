package io.spikert.ffm;

import java.util.List;

/**
 * The vendor libraries SpikeRT binds, with the file names tried in order (newest ABI first) and the
 * system property that names an explicit location for each.
 */
public enum NativeLibrary {
    CUDA_DRIVER("CUDA driver", Vendor.CUDA, List.of("libcuda.so.1", "libcuda.so")),
    CUDA_RUNTIME("CUDA runtime", Vendor.CUDA, List.of("libcudart.so.13", "libcudart.so.12", "libcudart.so")),
    CUBLAS("cuBLAS", Vendor.CUDA, List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so")),
    NVRTC("NVRTC", Vendor.CUDA, List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so")),
    MACA_RUNTIME("MACA runtime", Vendor.MACA, List.of("libmcruntime.so")),
    MACA_BLAS("mcBLAS", Vendor.MACA, List.of("libmcblas.so")),
    /** A CPU math library, no GPU vendor's: oneDNN 3.x or 2.x. */
    ONEDNN("oneDNN", null, List.of("libdnnl.so.3", "libdnnl.so.2", "libdnnl.so"));

    private final String displayName;
    private final Vendor vendor;
    private final List<String> fileNames;

    NativeLibrary(String displayName, Vendor vendor, List<String> fileNames) {
        this.displayName = displayName;
        this.vendor = vendor;
        this.fileNames = fileNames;
    }

    /** Whether this is a CPU library (no GPU vendor). */
    public boolean cpu() {
        return vendor == null;
    }

    /** Human name used in messages, e.g. "CUDA driver". */
    public String displayName() {
        return displayName;
    }

    /** The GPU vendor whose stack holds this library; null for a CPU library ({@link #cpu()}). */
    public Vendor vendor() {
        return vendor;
    }

    /** File names tried in each directory, in order. */
    public List<String> fileNames() {
        return fileNames;
    }

    /** System property holding explicit files or directories to try first ({@code File.pathSeparator}-separated). */
    public String pathProperty() {
        if (vendor == null) {
            return "spikert." + name().toLowerCase(java.util.Locale.ROOT) + ".path";
        }
        return vendor == Vendor.CUDA ? "spikert.cuda.path" : "spikert.maca.path";
    }
}
