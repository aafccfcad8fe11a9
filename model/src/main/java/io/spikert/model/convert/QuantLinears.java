package io.spikert.model.convert;

import io.spikert.model.ModelConfig;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;

import java.util.ArrayList;
import java.util.List;

/** The W8ASpike projections of a model, from its config: which weights are quantised and their shapes. */
public final class QuantLinears {
    /** One QuantLinear: tensor prefix (without {@code .weight}) and its [out, in] shape. */
    public record Spec(String prefix, int out, int in) {
        public int groups() {
            return in / W8ASpikeFormat.GROUP;
        }
    }

    private QuantLinears() {
    }

    /** The QuantLinears whose codes the model uses: q/k/v/o of both layer types, full-rank GLA gk_proj, MLP gate/up. */
    public static List<Spec> used(ModelConfig c) {
        List<Spec> out = new ArrayList<>();
        int h = c.hiddenSize();
        int kv = c.kvDim();
        int inter = c.intermediateSize();
        for (int l = 0; l < c.numLayers(); l++) {
            String a = "model.layers." + l + ".attn.";
            out.add(new Spec(a + "q_proj", h, h));
            out.add(new Spec(a + "k_proj", kv, h));
            out.add(new Spec(a + "v_proj", kv, h));
            if (!c.isSwaLayer(l)) {
                out.add(new Spec(a + "gk_proj", kv, h));
            }
            out.add(new Spec(a + "o_proj", h, h));
            out.add(new Spec("model.layers." + l + ".mlp.gate_proj", inter, h));
            out.add(new Spec("model.layers." + l + ".mlp.up_proj", inter, h));
        }
        return out;
    }

    /** MLP down_proj of every layer: scales stored, raw weight used. */
    public static List<Spec> downProjections(ModelConfig c) {
        List<Spec> out = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            out.add(new Spec("model.layers." + l + ".mlp.down_proj", c.hiddenSize(), c.intermediateSize()));
        }
        return out;
    }
}
