package io.spikert.bench.gpu;

import io.spikert.model.synthetic.SyntheticCheckpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One row-major BF16 weight matrix of the model, {@code rows} outputs by {@code cols} inputs. */
record WeightMatrix(String name, int rows, int cols) {

    long elements() {
        return (long) rows * cols;
    }

    long bf16Bytes() {
        return 2 * elements();
    }

    /**
     * Every matrix a decode step multiplies by, in file order, from the published tensor layout: per
     * layer q/k/v/o, gate/up/down, and gk_proj.0/1 on GLA layers, then lm_head. The embedding table is
     * left out, since decode gathers one row of it.
     */
    static List<WeightMatrix> of(SyntheticCheckpoint.Dims dims) {
        List<WeightMatrix> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : SyntheticCheckpoint.tensorShapes(dims).entrySet()) {
            long[] s = e.getValue();
            String name = e.getKey();
            if (s.length == 2 && name.endsWith(".weight") && !name.equals("model.embeddings.weight")) {
                out.add(new WeightMatrix(name, Math.toIntExact(s[0]), Math.toIntExact(s[1])));
            }
        }
        return out;
    }
}
