package io.spikert.model.convert;

import io.spikert.model.checkpoint.w8.ExactForms;
import io.spikert.model.checkpoint.w8.PackedFormat;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;
import io.spikert.runtime.DType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Published W8ASpike fp32 checkpoint to its packed integer form ({@link PackedFormat}). */
final class PackedPlan {
    private PackedPlan() {
    }

    static Plan build(Source s) throws IOException {
        switch (s.kind) {
            case BASE -> throw new ConvertException(s.dir + " holds a base checkpoint (no *" + W8ASpikeFormat.SCALES
                    + " tensors); --to packed needs a W8ASpike checkpoint (convert a base one with --to w8 first)");
            case PACKED -> throw new ConvertException(s.dir + " is already packed (it has *" + PackedFormat.CODES + " tensors)");
            case W8ASPIKE -> { }
        }
        Map<String, PackedLinear> byWeight = new HashMap<>();
        long outliers = 0;
        long codes = 0;
        for (QuantLinears.Spec q : QuantLinears.used(s.config)) {
            if (q.in() % W8ASpikeFormat.GROUP != 0) {
                throw new ConvertException(s.dir + ": " + q.prefix() + " has " + q.in()
                        + " inputs, not a multiple of the quantisation group " + W8ASpikeFormat.GROUP);
            }
            PackedLinear p = new PackedLinear(s, q);
            byWeight.put(q.prefix() + ".weight", p);
            outliers += p.outliers();
            codes += (long) q.out() * q.in();
        }
        // down_proj is used raw; when every raw weight is exactly code * s its codes hold it with no loss
        int exactDown = 0;
        List<QuantLinears.Spec> downs = QuantLinears.downProjections(s.config);
        for (QuantLinears.Spec q : downs) {
            var w = s.floatTensor(q.prefix() + ".weight", q.out(), q.in());
            float[] scales = s.floatTensor(q.prefix() + W8ASpikeFormat.SCALES, q.out(), q.groups(), 1).toFloatArray();
            if (ExactForms.codesExact(w, q.out(), q.in(), scales)) {
                PackedLinear p = new PackedLinear(s, q);
                byWeight.put(q.prefix() + ".weight", p);
                outliers += p.outliers();
                codes += (long) q.out() * q.in();
                exactDown++;
            }
        }
        int narrowed = 0;
        List<OutputTensor> out = new ArrayList<>();
        for (String name : s.checkpoint.names()) {
            PackedLinear p = byWeight.get(name);
            if (p != null) {
                out.addAll(p.tensors());
                continue;
            }
            var t = s.tensor(name);
            if (t.shape().length == 2 && !name.endsWith(W8ASpikeFormat.SCALES) && ExactForms.bf16Exact(t)) {
                out.add(new OutputTensor(name, DType.BF16, t.shape(), Streams.bf16(t)));
                narrowed++;
            } else {
                out.add(new OutputTensor(name, t.dtype(), t.shape(), Streams.copy(t)));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(PackedFormat.FORMAT_KEY, PackedFormat.FORMAT);
        meta.put("spikert.quant.group", Integer.toString(W8ASpikeFormat.GROUP));
        meta.put("spikert.quant.codes", "code = rint(W/s) (float division, half to even, not clamped) per row and group "
                + "of 128 inputs; stored as P" + PackedFormat.CODES + " I8 clamp(code,-127,127) plus P"
                + PackedFormat.OUTLIER_RESIDUAL + " I16 (code - clamped) at flat indices P" + PackedFormat.OUTLIER_INDEX + " I32");
        meta.put("spikert.quant.scales", "P" + W8ASpikeFormat.SCALES + " F32 [out, in/128, 1] as published (calibrated)");
        meta.put("spikert.quant.layers", "q_proj,k_proj,v_proj,o_proj,gk_proj,gate_proj,up_proj");
        meta.put("spikert.quant.raw", "mlp.down_proj.weight is used raw with an un-spiked input; " + exactDown + " of "
                + downs.size() + " hold only values code*s (s its stored scales) and are stored as codes like the"
                + " QuantLinears (exact), the others as raw weights");
        meta.put("spikert.narrowed", narrowed + " other fp32 matrices hold only BF16 values and are stored as BF16 (exact)");
        meta.put("spikert.quant.outliers", outliers + " of " + codes + " codes outside [-127, 127]");
        return new Plan(out, meta, List.of(
                String.format("packed %,d codes, %,d (%.2f%%) outside [-127, 127] kept as exact corrections",
                        codes, outliers, codes == 0 ? 0.0 : 100.0 * outliers / codes),
                String.format("down_proj: %d of %d exactly code x scale, stored as codes; %d other fp32 matrices stored as BF16"
                        + " (every value a BF16 value)", exactDown, downs.size(), narrowed)));
    }
}
