package io.spikert.runtime.gpu;

import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuKernel;
import io.spikert.ffm.GpuModule;
import java.util.List;
import java.util.Map;

/** The catalogue's kernels loaded on one device for one PTX architecture; close to unload the modules. */
public final class LoadedKernels implements AutoCloseable {
    private final GpuDriver driver;
    private final String arch;
    private final List<GpuModule> modules;
    private final Map<String, GpuKernel> kernels;

    LoadedKernels(GpuDriver driver, String arch, List<GpuModule> modules, Map<String, GpuKernel> kernels) {
        this.driver = driver;
        this.arch = arch;
        this.modules = List.copyOf(modules);
        this.kernels = Map.copyOf(kernels);
    }

    /** The PTX target that was loaded, "sm_80" or "sm_90". */
    public String arch() {
        return arch;
    }

    public GpuKernel kernel(String name) {
        GpuKernel k = kernels.get(name);
        if (k == null) {
            throw new IllegalArgumentException("no kernel " + name + " loaded; have " + kernels.keySet());
        }
        return k;
    }

    @Override
    public void close() {
        for (GpuModule m : modules) {
            driver.unload(m);
        }
    }
}
