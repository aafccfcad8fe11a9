package io.spikert.model.convert;

import io.spikert.model.ModelConfig;
import io.spikert.model.checkpoint.w8.GroupQuant;
import io.spikert.model.checkpoint.w8.PackedFormat;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base checkpoint to the published W8ASpike layout: fp32 weights, a full-rank {@code gk_proj}
 * (gk_proj.1 @ gk_proj.0, bias gk_proj.1.bias) and {@code weight_quantizer.scales} [out, in/128, 1] of
 * absmax/127 per group. Weights are stored raw, as published; the runtime derives rint(W/s) itself.
 */
final class W8Plan {
    static final String CALIBRATION_NOTE = "note: these scales are absmax/127 per group of 128 computed from the weights; "
            + "the published SpikingBrain-7B-W8ASpike scales were calibrated, so this model is not that one and its "
            + "accuracy may differ";

    private W8Plan() {
    }

    static Plan build(Source s) throws IOException {
        if (s.kind != Source.Kind.BASE) {
            throw new ConvertException(s.dir + " holds a " + s.kind.label + " checkpoint (it has *"
                    + (s.kind == Source.Kind.PACKED ? PackedFormat.CODES : W8ASpikeFormat.SCALES)
                    + " tensors); --to w8 converts a base checkpoint (use --to packed or --to aligned for this one)");
        }
        ModelConfig c = s.config;
        requireGroups(s, "hidden_size", c.hiddenSize());
        requireGroups(s, "intermediate_size", c.intermediateSize());
        Map<String, QuantLinears.Spec> byWeight = new HashMap<>();
        for (QuantLinears.Spec q : QuantLinears.used(c)) {
            if (!q.prefix().endsWith("gk_proj")) {
                byWeight.put(q.prefix() + ".weight", q);
            }
        }
        for (QuantLinears.Spec q : QuantLinears.downProjections(c)) {
            byWeight.put(q.prefix() + ".weight", q);
        }
        int low = ModelConfig.GATE_LOW_RANK;
        List<OutputTensor> out = new ArrayList<>();
        for (String name : s.checkpoint.names()) {
            QuantLinears.Spec q = byWeight.get(name);
            if (q != null) {
                Tensor w = s.floatTensor(name, q.out(), q.in());
                out.add(widened(name, w));
                out.add(scales(q, w::getFloat));
            } else if (name.endsWith(".attn.gk_proj.0.weight")) {
                String a = name.substring(0, name.length() - ".0.weight".length());
                int kv = c.kvDim();
                Tensor w0 = s.floatTensor(a + ".0.weight", low, c.hiddenSize());
                Tensor w1 = s.floatTensor(a + ".1.weight", kv, low);
                s.floatTensor(a + ".1.bias", kv);
                var spec = new QuantLinears.Spec(a, kv, c.hiddenSize());
                long n = (long) kv * c.hiddenSize();
                out.add(new OutputTensor(a + ".weight", DType.F32, new long[] {kv, c.hiddenSize()},
                        Streams.f32(n, i -> fullRank(w0, w1, c.hiddenSize(), i))));
                out.add(scales(spec, i -> fullRank(w0, w1, c.hiddenSize(), i)));
            } else if (name.endsWith(".attn.gk_proj.1.weight")) {
                continue; // folded into gk_proj.weight above
            } else if (name.endsWith(".attn.gk_proj.1.bias")) {
                String a = name.substring(0, name.length() - ".1.bias".length());
                out.add(widened(a + ".bias", s.tensor(name)));
            } else {
                Tensor t = s.tensor(name);
                if (!t.dtype().isFloatingPoint()) {
                    throw new ConvertException(s.checkpoint.fileOf(name) + ": tensor " + name + " has dtype " + t.dtype()
                            + "; a base checkpoint holds BF16, F16 or F32 tensors");
                }
                out.add(widened(name, t));
            }
        }
        for (int l = 0; l < c.numLayers(); l++) {
            String a = "model.layers." + l + ".attn.gk_proj";
            if (!c.isSwaLayer(l) && !s.checkpoint.contains(a + ".0.weight")) {
                throw new ConvertException(s.dir + ": missing tensor " + a + ".0.weight (layer " + l
                        + " is a GLA layer, whose base form has the low-rank gate gk_proj.0 / gk_proj.1)");
            }
        }
        for (String w : byWeight.keySet()) {
            if (!s.checkpoint.contains(w)) {
                throw new ConvertException(s.dir + ": missing tensor " + w);
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("spikert.format", "w8aspike-absmax-v1");
        meta.put("spikert.quant.group", Integer.toString(W8ASpikeFormat.GROUP));
        meta.put("spikert.quant.scales", "absmax/127 per row and group of 128 inputs, computed from the base weights "
                + "(not the published calibrated scales)");
        meta.put("spikert.quant.layers", "q_proj,k_proj,v_proj,o_proj,gk_proj,gate_proj,up_proj (down_proj: scales stored, raw weight used)");
        meta.put("spikert.weights", "fp32 raw; the runtime uses rint(W/s)*s");
        return new Plan(out, meta, List.of(CALIBRATION_NOTE));
    }

    private static void requireGroups(Source s, String key, int value) throws ConvertException {
        if (value % W8ASpikeFormat.GROUP != 0) {
            throw new ConvertException(s.dir.resolve("config.json") + ": " + key + " = " + value
                    + " is not a multiple of the W8ASpike quantisation group " + W8ASpikeFormat.GROUP
                    + ", so this model cannot be converted with --to w8");
        }
    }

    /** Element i of gk_proj.1 @ gk_proj.0, summed in double and rounded once to float. */
    static float fullRank(Tensor w0, Tensor w1, int hidden, long i) {
        long r = i / hidden;
        long col = i % hidden;
        int low = (int) w0.dim(0);
        double sum = 0;
        for (int j = 0; j < low; j++) {
            sum += (double) w1.getFloat(r * low + j) * w0.getFloat((long) j * hidden + col);
        }
        return (float) sum;
    }

    private static OutputTensor widened(String name, Tensor t) {
        return new OutputTensor(name, DType.F32, t.shape(),
                t.dtype() == DType.F32 ? Streams.copy(t) : Streams.f32(t.elementCount(), t::getFloat));
    }

    private static OutputTensor scales(QuantLinears.Spec q, GroupQuant.FloatAt w) {
        int groups = q.groups();
        return new OutputTensor(q.prefix() + W8ASpikeFormat.SCALES, DType.F32, new long[] {q.out(), groups, 1},
                Streams.f32((long) q.out() * groups, i -> GroupQuant.absmaxScale(q.prefix() + ".weight", w, q.in(),
                        i / groups, i % groups)));
    }
}
