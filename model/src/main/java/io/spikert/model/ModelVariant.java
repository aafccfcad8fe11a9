package io.spikert.model;

import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;

/** Which published SpikingBrain-7B form a checkpoint holds, recognised from its tensor names. */
public enum ModelVariant {
    /** bf16 weights, low-rank GLA gate (V1-7B-base, V1-7B-sft-s3-reasoning). */
    BASE,
    /** Spiking activations and group-128 INT8 weights with scales (SpikingBrain-7B-W8ASpike). */
    W8ASPIKE;

    static ModelVariant of(Checkpoint checkpoint) {
        for (String name : checkpoint.names()) {
            if (name.endsWith(W8ASpikeFormat.SCALES)) {
                return W8ASPIKE;
            }
        }
        return BASE;
    }
}
