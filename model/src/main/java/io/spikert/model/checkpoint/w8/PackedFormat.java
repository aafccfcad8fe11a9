package io.spikert.model.checkpoint.w8;

/**
 * Names of the packed W8ASpike form ({@value #FORMAT}). Per used QuantLinear {@code P}:
 * <ul>
 *   <li>{@code P.weight_int8} I8 [out, in]: clamp(code, -127, 127), code = rint(W / s) of the fp32 original;</li>
 *   <li>{@code P.weight_outliers.index} I32 [n]: flat indices r * in + c, ascending, of the codes outside
 *       [-127, 127];</li>
 *   <li>{@code P.weight_outliers.residual} I16 [n]: code - clamp(code), so int8 + residual is the exact code;</li>
 *   <li>{@code P.weight_quantizer.scales} F32 [out, in/128, 1]: as published, bit for bit.</li>
 * </ul>
 * Everything else (biases, norms, embeddings, lm_head, down_proj's raw weight and unused scales) is copied
 * unchanged.
 */
public final class PackedFormat {
    public static final String FORMAT_KEY = "spikert.format";
    public static final String FORMAT = "w8aspike-packed-v1";
    public static final String CODES = ".weight_int8";
    public static final String OUTLIER_INDEX = ".weight_outliers.index";
    public static final String OUTLIER_RESIDUAL = ".weight_outliers.residual";

    private PackedFormat() {
    }
}
