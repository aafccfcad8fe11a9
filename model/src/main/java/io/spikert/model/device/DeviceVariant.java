package io.spikert.model.device;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceMatrix;

/**
 * How one published variant's weights become device projections; everything else is the same
 * {@code gla_swa} graph ({@link DeviceModel}). The base model: dense BF16 or F32 products and the rank-16
 * GLA gate. W8ASpike (MODEL.md section 4): every QuantLinear (q, k, v, o, the full-rank gk_proj, gate, up)
 * spikes its input into INT8-code products, down_proj and lm_head keep their raw weights, and the SWA
 * query is spiked.
 */
sealed interface DeviceVariant {
    DeviceWeightSource source();

    /** q, k, v, o, gate or up of one layer, by tensor prefix. */
    DeviceProjection projection(String prefix, int out, int in, boolean bias, DeviceArena arena);

    /** The GLA gate of the layer whose attention tensors start with {@code attn}. */
    DeviceProjection glaGate(String attn, ModelConfig c, DeviceArena arena);

    DeviceProjection down(String prefix, int out, int in, DeviceArena arena);

    /** The untied lm_head. */
    DeviceMatrix lmHead(ModelConfig c, DeviceArena arena);

    /** The SWA query's spike threshold factor, 0 for none. */
    float querySpikeK();

    record Base(DeviceWeightSource source) implements DeviceVariant {
        @Override
        public DeviceProjection projection(String prefix, int out, int in, boolean bias, DeviceArena arena) {
            DeviceMatrix m = source.matrix(prefix + ".weight", out, in, arena);
            return new DeviceLinear(m, bias ? source.vector(prefix + ".bias", out, arena).pointer() : 0L);
        }

        @Override
        public DeviceProjection glaGate(String attn, ModelConfig c, DeviceArena arena) {
            return new DeviceLowRankGate(
                    (DeviceLinear) projection(attn + "gk_proj.0", ModelConfig.GATE_LOW_RANK, c.hiddenSize(), false, arena),
                    (DeviceLinear) projection(attn + "gk_proj.1", c.kvDim(), ModelConfig.GATE_LOW_RANK, true, arena));
        }

        @Override
        public DeviceProjection down(String prefix, int out, int in, DeviceArena arena) {
            return projection(prefix, out, in, false, arena);
        }

        @Override
        public DeviceMatrix lmHead(ModelConfig c, DeviceArena arena) {
            return source.matrix("lm_head.weight", c.vocabSize(), c.hiddenSize(), arena);
        }

        @Override
        public float querySpikeK() {
            return 0f;
        }
    }

    record W8ASpike(SpikingCheckpointWeights source, float spikeK) implements DeviceVariant {
        @Override
        public DeviceProjection projection(String prefix, int out, int in, boolean bias, DeviceArena arena) {
            return new DeviceSpikingLinear(source.quantized(prefix, out, in, arena),
                    bias ? source.vector(prefix + ".bias", out, arena).pointer() : 0L, spikeK);
        }

        @Override
        public DeviceProjection glaGate(String attn, ModelConfig c, DeviceArena arena) {
            return projection(attn + "gk_proj", c.kvDim(), c.hiddenSize(), true, arena);
        }

        @Override
        public DeviceProjection down(String prefix, int out, int in, DeviceArena arena) {
            return source.rawProjection(prefix, out, in, arena);
        }

        @Override
        public DeviceMatrix lmHead(ModelConfig c, DeviceArena arena) {
            return source.rawMatrix("lm_head", c.vocabSize(), c.hiddenSize(), arena);
        }

        @Override
        public float querySpikeK() {
            return spikeK;
        }
    }
}
