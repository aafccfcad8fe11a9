package io.spikert.ffm;

import io.spikert.ffm.cuda.CudaGpuDriver;
import io.spikert.ffm.maca.MacaGpuDriver;

/** GPU software stacks SpikeRT can drive; each maps the same logical operations onto its own symbols. */
public enum Vendor {
    /** NVIDIA: CUDA driver API, cuBLAS, NVRTC. */
    CUDA,
    /** MetaX: MACA runtime ({@code mc*}) and mcBLAS; signatures not checked against headers. */
    MACA;

    /**
     * Opens this vendor's driver through the process-wide {@link LibraryLoader} binding, loading the
     * library now if nothing was bound.
     *
     * @throws NativeLibraryNotFoundException when the vendor library is not installed
     */
    public GpuDriver open() {
        return switch (this) {
            case CUDA -> CudaGpuDriver.open();
            case MACA -> MacaGpuDriver.open();
        };
    }

    /** Parses "cuda" or "maca" (any case), naming the accepted values when the text is neither. */
    public static Vendor parse(String text) {
        for (Vendor v : values()) {
            if (v.name().equalsIgnoreCase(text.strip())) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown GPU vendor '" + text + "' (expected cuda or maca)");
    }
}
