package io.spikert.ffm;

/** A device's compute capability {@code major.minor} (8.0 for A100, 9.0 for H100), which picks the kernel image. */
public record ComputeCapability(int major, int minor) {

    public ComputeCapability {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("compute capability " + major + "." + minor + " is negative");
        }
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
