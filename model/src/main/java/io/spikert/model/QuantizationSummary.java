package io.spikert.model;

import java.util.Locale;

/**
 * What quantising the weights at load did ({@link LoadOptions#quantize}): how many matrices were quantised, their
 * bytes as stored and as codes and scales, and how many projections kept their stored form (an input size that is no
 * multiple of 32, such as the base GLA gate's rank-16 up-projection).
 */
public record QuantizationSummary(WeightQuantization quantization, int matrices, long storedBytes, long quantizedBytes,
                                  int keptAsStored) {

    public static final QuantizationSummary NONE = new QuantizationSummary(WeightQuantization.NONE, 0, 0, 0, 0);

    /** One line for the load report, e.g. {@code weights quantised to q4 at load: 197 matrices, 3.09 GB -> 0.87 GB ...}. */
    public String describe() {
        return String.format(Locale.ROOT, "weights quantised to %s at load: %d matrices, %.2f GB as stored -> %.2f GB of codes"
                        + " and scales%s", quantization.label(), matrices, storedBytes / 1e9, quantizedBytes / 1e9,
                keptAsStored == 0 ? "" : "; " + keptAsStored + " kept as stored (input size not a multiple of 32)");
    }
}
