package io.spikert.model;

import io.spikert.runtime.backend.CpuBackend;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One fixed script (a 40-token prompt in chunks of {@value ConcurrentSessionsCheck#CHUNK}, then
 * {@value ConcurrentSessionsCheck#DECODE_STEPS} decode steps) on a model and a one-thread CPU backend: every logit.
 * Used by {@link TierIndependenceTest} in the test JVM and, through {@link #main}, in a child JVM that runs
 * the Vector API's Java implementations only.
 */
final class TierIndependenceCheck {
    static final int PROMPT_TOKENS = 40;

    private TierIndependenceCheck() {}

    static ConcurrentSessionsCheck.Script script(int vocab) {
        return new ConcurrentSessionsCheck.Script(TestModels.ids(PROMPT_TOKENS, vocab, 31),
                TestModels.ids(ConcurrentSessionsCheck.DECODE_STEPS, vocab, 32));
    }

    /** The script's logits {@code runs} times over, on one loaded model: runs[r] is the r-th run's. */
    static float[][] logits(Path dir, LoadOptions options, int runs) throws IOException {
        try (var cpu = new CpuBackend(1); var model = SpikingBrainModel.load(dir, cpu, options)) {
            var script = script(model.config().vocabSize());
            float[][] all = new float[runs][];
            for (int r = 0; r < runs; r++) {
                all[r] = ConcurrentSessionsCheck.run(model, script, () -> { });
            }
            return all;
        }
    }

    /** Child-JVM entry: {@code DIR INTEGER(true|false) OUT}; writes the logits' bits to OUT. */
    public static void main(String[] args) throws IOException {
        var options = LoadOptions.defaults().withIntegerSpikes(Boolean.parseBoolean(args[1]));
        float[] logits = logits(Path.of(args[0]), options, 1)[0];
        try (var out = new DataOutputStream(Files.newOutputStream(Path.of(args[2])))) {
            out.writeInt(logits.length);
            for (float v : logits) {
                out.writeInt(Float.floatToRawIntBits(v));
            }
        }
    }
}
