package io.spikert.bench.harness;

import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

/**
 * Weight bytes one decoded token reads: every linear weight matrix once, one row of the embedding
 * table, and the lm_head (the whole embedding table when tied). Norm and bias vectors are left out:
 * the model copies them to the heap once at load, and they are under 0.01% of a 7B's traffic.
 */
public record DecodeTraffic(long linearBytes, long embeddingRowBytes, long lmHeadBytes) {
    public static final String EMBEDDINGS = "model.embeddings.weight";
    public static final String LM_HEAD = "lm_head.weight";

    public long totalBytes() {
        return linearBytes + embeddingRowBytes + lmHeadBytes;
    }

    /** Counted from the checkpoint's tensors as the model binds them (F16 matrices are widened to F32 at load). */
    public static DecodeTraffic of(Checkpoint checkpoint) throws CheckpointException {
        long linear = 0;
        for (String name : checkpoint.names()) {
            if (name.equals(EMBEDDINGS) || name.equals(LM_HEAD)) {
                continue;
            }
            Tensor t = checkpoint.tensor(name);
            if (t.rank() == 2) {
                linear += boundBytes(t);
            }
        }
        Tensor emb = checkpoint.tensor(EMBEDDINGS);
        long row = boundBytes(emb) / emb.dim(0);
        long head = checkpoint.contains(LM_HEAD) ? boundBytes(checkpoint.tensor(LM_HEAD)) : boundBytes(emb);
        return new DecodeTraffic(linear, row, head);
    }

    /** What the same per-token matrices weigh in BF16, the base model's published dtype: the yardstick for W8ASpike. */
    public static long bf16Bytes(Checkpoint checkpoint) throws CheckpointException {
        long elements = 0;
        boolean tied = !checkpoint.contains(LM_HEAD);
        for (String name : checkpoint.names()) {
            Tensor t = checkpoint.tensor(name);
            if (t.rank() == 2 && (tied || !name.equals(EMBEDDINGS))) {
                elements += t.elementCount();
            }
        }
        return 2 * elements;
    }

    private static long boundBytes(Tensor t) {
        return t.dtype() == DType.F16 ? t.elementCount() * 4 : t.byteSize();
    }
}
