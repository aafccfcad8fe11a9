package io.spikert.model.checkpoint.w8;

import io.spikert.kernels.spike.Int8Weights;

/**
 * Names and numbers of the published W8ASpike checkpoint (MODEL.md section 4), defined once for the loader,
 * the converter and the commands that recognise a W8ASpike checkpoint. Every QuantLinear {@code P} keeps its
 * fp32 weight {@code P.weight} [out, in] beside {@code P}{@value #SCALES} F32 [out, in/{@value #GROUP}, 1]:
 * one calibrated scale per output row and group of {@value #GROUP} inputs.
 */
public final class W8ASpikeFormat {
    /** Suffix of a QuantLinear's scale tensor; a checkpoint holding one is a W8ASpike checkpoint. */
    public static final String SCALES = ".weight_quantizer.scales";
    /**
     * Inputs per scale. The kernels' integer layout ({@link Int8Weights}) is built for exactly this group,
     * so the number is taken from there rather than written twice.
     */
    public static final int GROUP = Int8Weights.GROUP;

    private W8ASpikeFormat() {
    }
}
