package io.spikert.bench.harness;

import io.spikert.model.ModelConfig;
import io.spikert.model.synthetic.SyntheticCheckpoint.Dims;
import io.spikert.runtime.DType;

/**
 * Weight bytes of a synthetic checkpoint before it is written, for the free-space check and the ETA.
 * Counts the published tensor list (GLA on even layers, SWA on odd); {@link SyntheticModelCache}
 * compares the result with the written file, so a drift from {@code SyntheticCheckpoint} shows.
 */
public final class SyntheticSize {
    private SyntheticSize() {}

    public static long weightBytes(Dims d, DType dtype) {
        long h = d.hidden();
        long kv = (long) d.kvHeads() * (d.hidden() / d.heads());
        long headDim = d.hidden() / d.heads();
        long r = ModelConfig.GATE_LOW_RANK;
        long elements = 2L * d.vocab() * h + h; // embeddings, lm_head, final norm
        for (int l = 0; l < d.layers(); l++) {
            elements += 2 * h;                               // attn_norm, mlp_norm
            elements += h * h + h + 2 * (kv * h + kv);       // q, k, v with biases
            elements += h * h;                               // o
            if (l % 2 == 0) {
                elements += r * h + kv * r + kv + headDim;   // gk_proj.0, gk_proj.1 (+bias), g_norm
            }
            elements += 3L * d.intermediate() * h;           // gate, up, down
        }
        return elements * dtype.byteSize();
    }
}
