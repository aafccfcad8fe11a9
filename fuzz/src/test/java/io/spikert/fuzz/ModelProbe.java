package io.spikert.fuzz;

import io.spikert.model.LoadOptions;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.CpuBackend;

import java.nio.file.Path;

/**
 * Loads a model folder as a user would (one compute thread) and, when it loads, runs a short prefill and one
 * decode step and checks that every logit is finite. The model is always closed, so the folder's files can be
 * rewritten for the next input.
 */
final class ModelProbe {
    /** Shared by every input of a JVM: a backend per input would start a thread pool per input. */
    private static final CpuBackend BACKEND = new CpuBackend(1);
    private static final int PROMPT = 5;

    private ModelProbe() {
    }

    static void run(Path folder) throws Exception {
        ProbePhase.set("load");
        try (SpikingBrainModel model = SpikingBrainModel.load(folder, BACKEND, LoadOptions.defaults())) {
            if (Boolean.getBoolean(Oracle.STRICT_WEIGHTS)) {
                requireFiniteWeights(model.checkpoint());
            }
            int vocab = model.config().vocabSize();
            int[] ids = new int[PROMPT];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (i * 7 + 1) % vocab;
            }
            Session session = model.newSession(4); // chunks of 4: the 5-token prompt crosses a chunk boundary
            ProbePhase.set("prefill");
            requireFinite("prefill", session.prefill(ids), vocab);
            ProbePhase.set("decode");
            requireFinite("decode", session.decode(ids[0]), vocab);
            session.close();
            ProbePhase.set("close");
        }
    }

    private static void requireFinite(String step, float[] logits, int vocab) {
        for (int i = 0; i < vocab; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new NonFiniteLogits(step, i, logits[i]);
            }
        }
    }

    /** {@link Oracle#STRICT_WEIGHTS}: a loaded checkpoint must not hold a non-finite float weight. */
    private static void requireFiniteWeights(Checkpoint checkpoint) throws Exception {
        for (String name : checkpoint.names()) {
            Tensor t = checkpoint.tensor(name);
            if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
                continue;
            }
            for (long i = 0, n = t.elementCount(); i < n; i++) {
                float v = t.getFloat(i);
                if (!Float.isFinite(v)) {
                    throw new FindingError("non-finite weight loaded: " + name + "[" + i + "] = " + v, null);
                }
            }
        }
    }
}
