package io.spikert.model;

import io.spikert.model.layers.Linear;
import io.spikert.model.layers.Projection;
import io.spikert.runtime.backend.Matrix;
import io.spikert.runtime.backend.WeightVector;

import java.io.IOException;

/**
 * Where a {@code gla_swa} model's weights come from, by their published tensor names (MODEL.md section 2),
 * already bound to the backend: a checkpoint's tensors, or synthetic weights for benchmarks. The variant
 * decides what a projection is (dense, or W8ASpike's spiking QuantLinear) and what the GLA gate is; the
 * graph around them is the same ({@link SpikingBrainModel#build}).
 */
public interface ModelWeights {

    ModelVariant variant();

    boolean contains(String name);

    /** A weight matrix taken as it is (the embedding table). */
    Matrix matrix(String name, int rows, int cols) throws IOException;

    /** A norm weight or a bias. */
    WeightVector vector(String name, int n) throws IOException;

    /** q, k, v, o, gate or up of one layer, by tensor prefix. */
    Projection projection(String prefix, int out, int in, boolean bias) throws IOException;

    /** The GLA gate of the layer whose attention tensors start with {@code attn}. */
    Projection glaGate(String attn, int kvDim, int hidden) throws IOException;

    /** The MLP's down_proj. */
    Projection down(String prefix, int out, int in) throws IOException;

    /** The untied lm_head. */
    Projection lmHead(int vocab, int hidden) throws IOException;

    /** The output head of a model with tied embeddings: the table itself, [vocab, hidden]. */
    default Projection tiedLmHead(String name, Matrix embeddings, int vocab, int hidden) throws IOException {
        return new Linear(embeddings, null);
    }

    /** The SWA query's spike threshold factor, 0 for none (the base model). */
    float querySpikeK();
}
