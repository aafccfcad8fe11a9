package io.spikert.model.convert;

import io.spikert.model.checkpoint.SafetensorsWriter.ByteSource;
import io.spikert.model.checkpoint.w8.GroupQuant;
import io.spikert.model.checkpoint.w8.PackedFormat;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

import java.io.IOException;
import java.util.List;

/**
 * One W8ASpike QuantLinear being packed: codes rint(W/s) from the fp32 weight and its published scales, split
 * into int8 (clamped to +-127) and a sparse exact residual. Construction scans the weight once to count
 * the outliers (their tensors' shapes go in the header before any data) and to reject codes beyond int16.
 */
final class PackedLinear {
    private final QuantLinears.Spec spec;
    private final Tensor weight;
    private final float[] scales;
    private final int outliers;

    PackedLinear(Source s, QuantLinears.Spec spec) throws IOException {
        this.spec = spec;
        this.weight = s.floatTensor(spec.prefix() + ".weight", spec.out(), spec.in());
        String scaleName = spec.prefix() + W8ASpikeFormat.SCALES;
        this.scales = s.floatTensor(scaleName, spec.out(), spec.groups(), 1).toFloatArray();
        for (int i = 0; i < scales.length; i++) {
            if (!(scales[i] > 0) || Float.isInfinite(scales[i])) {
                throw new ConvertException(s.checkpoint.fileOf(scaleName) + ": tensor " + scaleName
                        + " has a non-positive or non-finite scale " + scales[i] + " at row " + i / spec.groups()
                        + ", group " + i % spec.groups());
            }
        }
        if ((long) spec.out() * spec.in() > Integer.MAX_VALUE) {
            throw new ConvertException(spec.prefix() + ".weight: " + spec.out() + " x " + spec.in()
                    + " elements do not fit the I32 outlier index");
        }
        int n = 0;
        long size = (long) spec.out() * spec.in();
        for (long i = 0; i < size; i++) {
            float code = codeAsFloat(i);
            if (!(Math.abs(code) <= GroupQuant.MAX_CODE)) {
                throw new ConvertException(s.checkpoint.fileOf(spec.prefix() + ".weight") + ": tensor " + spec.prefix()
                        + ".weight: weight " + weight.getFloat(i) + " at row " + i / spec.in() + ", column " + i % spec.in()
                        + " over scale " + scales[scaleIndex(i)] + " gives code " + code + ", outside the int16 range");
            }
            if (Math.abs(code) > GroupQuant.MAX_INT8) {
                n++;
            }
        }
        this.outliers = n;
    }

    private int scaleIndex(long i) {
        return (int) ((i / spec.in()) * spec.groups() + (i % spec.in()) / W8ASpikeFormat.GROUP);
    }

    private float codeAsFloat(long i) {
        return GroupQuant.code(weight.getFloat(i), scales[scaleIndex(i)]);
    }

    /** The exact code of flat element i. */
    int code(long i) {
        return (int) codeAsFloat(i);
    }

    int outliers() {
        return outliers;
    }

    List<OutputTensor> tensors() {
        String p = spec.prefix();
        long size = (long) spec.out() * spec.in();
        return List.of(
                new OutputTensor(p + PackedFormat.CODES, DType.I8, new long[] {spec.out(), spec.in()},
                        Streams.ints(size, 1, i -> GroupQuant.clampInt8(code(i)))),
                new OutputTensor(p + PackedFormat.OUTLIER_INDEX, DType.I32, new long[] {outliers}, outlierStream(4, true)),
                new OutputTensor(p + PackedFormat.OUTLIER_RESIDUAL, DType.I16, new long[] {outliers}, outlierStream(2, false)));
    }

    /** Walks the weight in order and emits, for each outlier, its flat index or its residual. */
    private ByteSource outlierStream(int width, boolean index) {
        return out -> {
            long[] cursor = {0};
            Streams.ints(outliers, width, k -> {
                while (true) {
                    long i = cursor[0]++;
                    int code = code(i);
                    int q = GroupQuant.clampInt8(code);
                    if (q != code) {
                        return index ? (int) i : code - q;
                    }
                }
            }).writeTo(out);
        };
    }
}
