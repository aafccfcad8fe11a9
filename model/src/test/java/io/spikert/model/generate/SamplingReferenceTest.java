package io.spikert.model.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sampler's distributions against golden ones computed with torch the way vLLM's sampler does
 * (model/src/test/python/sampling_ref.py; rerun it to regenerate src/test/resources/sampling/golden.json).
 * Penalised logits agree within 1e-5; probabilities within 1e-6 + 1e-5 * p (torch works in float32, the sampler in
 * double), and the set of tokens kept (probability > 0) is identical.
 */
class SamplingReferenceTest {
    private static final Path GOLDEN = Path.of("src/test/resources/sampling/golden.json");

    @Test
    void distributionsMatchTheTorchReference() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(GOLDEN.toFile()).get("cases");
        assertTrue(cases.size() >= 20, "golden cases: " + cases.size());
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            float[] logits = floats(c.get("logits"));
            JsonNode p = c.get("params");
            var params = new SamplingParams((float) p.get("temperature").asDouble(), p.get("top_k").asInt(),
                    (float) p.get("top_p").asDouble(), (float) p.get("min_p").asDouble(),
                    (float) p.get("presence_penalty").asDouble(), (float) p.get("frequency_penalty").asDouble(),
                    (float) p.get("repetition_penalty").asDouble(), 7L);
            var sampler = new Sampler(params);
            sampler.begin(ints(c.get("prompt")));
            for (int id : ints(c.get("generated"))) {
                sampler.accept(id);
            }
            float[] penalized = sampler.penalize(logits, logits.length);
            float[] expectedPenalized = floats(c.get("penalized"));
            for (int i = 0; i < logits.length; i++) {
                assertEquals(expectedPenalized[i], penalized[i], 1e-5f, name + ": penalised logit " + i);
            }
            double[] probs = sampler.probabilities(logits, logits.length);
            double[] expected = doubles(c.get("probabilities"));
            double sum = 0;
            for (int i = 0; i < logits.length; i++) {
                assertEquals(expected[i] > 0, probs[i] > 0, name + ": token " + i + " kept by the reference: " + (expected[i] > 0));
                assertEquals(expected[i], probs[i], 1e-6 + 1e-5 * expected[i], name + ": probability of token " + i);
                sum += probs[i];
            }
            assertEquals(1.0, sum, 1e-9, name + ": probabilities sum to 1");
        }
    }

    static float[] floats(JsonNode a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) a.get(i).asDouble();
        }
        return f;
    }

    static double[] doubles(JsonNode a) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.get(i).asDouble();
        }
        return d;
    }

    static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }
}
