package io.spikert.bench.harness;

import io.spikert.model.ModelVariant;
import io.spikert.model.synthetic.SyntheticCheckpoint.RawValues;
import io.spikert.model.synthetic.SyntheticCheckpoint.Dims;
import io.spikert.runtime.DType;

import java.util.Locale;

/** The synthetic model sizes the harness can write: {@code 7b} is the published SpikingBrain-7B shape. */
public enum Shape {
    SMALL("small", new Dims(4096, 128, 4, 4, 2, 384, 32)),
    DEMO("demo", Dims.DEMO),
    /** The 1B class of the report's CPU comparison, at Qwen2.5-1.5B's dimensions (SpikingBrain's 4096 window). */
    ONE_POINT_FIVE_B("1.5b", new Dims(151936, 1536, 28, 12, 2, 8960, 4096)),
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

    /** The cache folder name, with the layout and dtype in it so variants cannot collide. */
    public String cacheFolder(ModelVariant variant, RawValues raw) {
        if (variant != ModelVariant.W8ASPIKE) {
            return "bench-" + cliName + "-bf16";
        }
        return "bench-" + cliName + "-w8aspike-f32" + switch (raw) {
            case FP32 -> "";
            case BF16 -> "-bf16values";
            case BF16_AND_DOWN_CODES -> "-downcodes";
        };
    }

    /** The dtype a synthetic checkpoint of {@code variant} is written in: F32 for W8ASpike, as published. */
    public static DType dtype(ModelVariant variant) {
        return variant == ModelVariant.W8ASPIKE ? DType.F32 : DType.BF16;
    }

    public static Shape parse(String name) {
        for (Shape s : values()) {
            if (s.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("--shape must be 7b, 1.5b, demo or small, got \"" + name + "\"");
    }
}
