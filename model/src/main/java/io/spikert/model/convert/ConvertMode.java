package io.spikert.model.convert;

import java.util.Locale;

/** What {@code spikert convert} produces. */
public enum ConvertMode {
    /** Base checkpoint to the W8ASpike layout with absmax scales (not the published, calibrated ones). */
    W8,
    /** Published W8ASpike fp32 checkpoint to INT8 codes, exact outlier corrections and scales. */
    PACKED,
    /** Any supported checkpoint to safetensors whose tensors start on 64-byte boundaries. */
    ALIGNED;

    /** Parses {@code w8}, {@code packed} or {@code aligned}. */
    public static ConvertMode parse(String s) {
        for (ConvertMode m : values()) {
            if (m.name().equalsIgnoreCase(s.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown conversion '" + s + "'; expected w8, packed or aligned");
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
