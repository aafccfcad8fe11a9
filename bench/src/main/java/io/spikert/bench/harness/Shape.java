package io.spikert.bench.harness;

import io.spikert.model.synthetic.SyntheticCheckpoint.Dims;

import java.util.Locale;

/** The synthetic model sizes the harness can write: {@code 7b} is the published SpikingBrain-7B shape. */
public enum Shape {
    SMALL("small", new Dims(4096, 128, 4, 4, 2, 384, 32)),
    DEMO("demo", Dims.DEMO),
    SEVEN_B("7b", Dims.SEVEN_B);

    private final String cliName;
    private final Dims dims;

    Shape(String cliName, Dims dims) {
        this.cliName = cliName;
        this.dims = dims;
    }

    public String cliName() {
        return cliName;
    }

    public Dims dims() {
        return dims;
    }

    /** The cache folder name; the dtype is part of it so a later F32 variant cannot collide. */
    public String cacheFolder() {
        return "bench-" + cliName + "-bf16";
    }

    public static Shape parse(String name) {
        for (Shape s : values()) {
            if (s.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("--shape must be 7b, demo or small, got \"" + name + "\"");
    }
}
