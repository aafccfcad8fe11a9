package io.spikert.runtime;

/**
 * Guards against running the kernels without the Vector API. Without the incubator module the
 * kernel classes fail to load, and a JVM that silently fell back to scalar loops would be 5-15x
 * slower; SpikeRT refuses instead and says how to enable it.
 */
public final class VectorApi {
    public static final String MODULE = "jdk.incubator.vector";
    public static final String HOW_TO_ENABLE =
            "run java with --add-modules=" + MODULE + " (the scripts/spikert launcher does this)";

    private VectorApi() {}

    public static boolean isAvailable() {
        return ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    /** Throws a clear error when the Vector API module is not in the boot layer. */
    public static void require() {
        if (!isAvailable()) {
            throw new IllegalStateException("SpikeRT needs the Java Vector API (module " + MODULE
                    + ") and will not run its kernels as scalar code: " + HOW_TO_ENABLE);
        }
    }

    /** A short description of the SIMD width in use, for verbose output and benchmark reports. */
    public static String describe() {
        require();
        return Describer.describe();
    }

    // Separate class so that VectorApi itself loads without the incubator module.
    private static final class Describer {
        static String describe() {
            var species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
            return species.vectorBitSize() + "-bit vectors (" + species.length() + " floats)";
        }
    }
}
