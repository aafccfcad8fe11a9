package io.spikert.model.convert;

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
            case BASE -> throw new ConvertException(s.dir + " holds a base checkpoint (no *" + QuantLinears.SCALES
                    + " tensors); --to packed needs a W8ASpike checkpoint (convert a base one with --to w8 first)");
            case PACKED -> throw new ConvertException(s.dir + " is already packed (it has *" + PackedFormat.CODES + " tensors)");
            case W8ASPIKE -> { }
        }
        Map<String, PackedLinear> byWeight = new HashMap<>();
        long outliers = 0;
        long codes = 0;
        for (QuantLinears.Spec q : QuantLinears.used(s.config)) {
            if (q.in() % GroupQuant.GROUP != 0) {
                throw new ConvertException(s.dir + ": " + q.prefix() + " has " + q.in()
                        + " inputs, not a multiple of the quantisation group " + GroupQuant.GROUP);
            }
            PackedLinear p = new PackedLinear(s, q);
            byWeight.put(q.prefix() + ".weight", p);
            outliers += p.outliers();
            codes += (long) q.out() * q.in();
        }
        List<OutputTensor> out = new ArrayList<>();
        for (String name : s.checkpoint.names()) {
            PackedLinear p = byWeight.get(name);
            if (p != null) {
                out.addAll(p.tensors());
            } else {
                var t = s.tensor(name);
                out.add(new OutputTensor(name, t.dtype(), t.shape(), Streams.copy(t)));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(PackedFormat.FORMAT_KEY, PackedFormat.FORMAT);
        meta.put("spikert.quant.group", Integer.toString(GroupQuant.GROUP));
        meta.put("spikert.quant.codes", "code = rint(W/s) (float division, half to even, not clamped) per row and group "
                + "of 128 inputs; stored as P" + PackedFormat.CODES + " I8 clamp(code,-127,127) plus P"
                + PackedFormat.OUTLIER_RESIDUAL + " I16 (code - clamped) at flat indices P" + PackedFormat.OUTLIER_INDEX + " I32");
        meta.put("spikert.quant.scales", "P" + QuantLinears.SCALES + " F32 [out, in/128, 1] as published (calibrated)");
        meta.put("spikert.quant.layers", "q_proj,k_proj,v_proj,o_proj,gk_proj,gate_proj,up_proj");
        meta.put("spikert.quant.raw", "mlp.down_proj.weight kept raw (used unquantised); its scales kept, unused");
        meta.put("spikert.quant.outliers", outliers + " of " + codes + " codes outside [-127, 127]");
        return new Plan(out, meta, List.of(String.format("packed %,d codes, %,d (%.2f%%) outside [-127, 127] kept as exact corrections",
                codes, outliers, codes == 0 ? 0.0 : 100.0 * outliers / codes)));
    }
}
