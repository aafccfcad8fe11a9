package io.spikert.model.convert;

import java.util.Locale;

/** What {@code spikert convert} produces. */
public enum ConvertMode {
    /** Base checkpoint to the W8ASpike layout with absmax scales (not the published, calibrated ones). */
    W8,
    /** Published W8ASpike fp32 checkpoint to INT8 codes, exact outlier corrections and scales. */
    PACKED,
    /** Any supported checkpoint to safetensors whose tensors start on 64-byte boundaries. */
    ALIGNED,
    /**
     * A Qwen2 checkpoint to a SpikingBrain ({@code gla_swa}) one by the report's weight remapping: an initialisation
     * for continued training, not a trained model.
     */
    SPIKINGBRAIN;

    /** Parses {@code w8}, {@code packed}, {@code aligned} or {@code spikingbrain}. */
    public static ConvertMode parse(String s) {
        for (ConvertMode m : values()) {
            if (m.name().equalsIgnoreCase(s.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown conversion '" + s + "'; expected w8, packed, aligned or spikingbrain");
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
