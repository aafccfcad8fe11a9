package io.spikert.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A model's logits do not depend on which JIT tier ran its kernels: a child JVM that runs the Vector API's Java
 * implementations only ({@code -XX:TieredStopAtLevel=1}: the interpreter and C1, no intrinsics) and this JVM,
 * where C2 compiles the kernels with the Vector API's intrinsics as they get hot, give the same bits for every
 * logit, in each of {@value #RUNS} runs of the same script on one thread.
 *
 * <p>Before the kernels summed lanes with {@link io.spikert.kernels.LaneSums} and took exp and log1p from
 * {@link io.spikert.kernels.VectorMath}, this did not hold: C2's lane sums and its vector math library round
 * differently from the Java implementations, and the same prompt's logits moved in their last bits as methods
 * were compiled (docs/SOAK.md).
 */
class TierIndependenceTest {
    static final Path TINY = Path.of("src/test/resources/tiny");
    /** Enough runs of the script for its kernels to be compiled by C2 partway through (they run thousands of times). */
    static final int RUNS = 60;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("base f32", TINY.resolve("f32"), true),
                Arguments.of("base bf16", TINY.resolve("bf16-safetensors"), true),
                Arguments.of("w8aspike integer", Path.of("src/test/resources/tiny-w8aspike"), true),
                Arguments.of("w8aspike fake-quant", Path.of("src/test/resources/tiny-w8aspike"), false),
                Arguments.of("qwen2", Path.of("src/test/resources/qwen2-tiny/bf16-sharded"), true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void logitsAreTheSameBitsInTheJavaImplementationsAndUnderC2(String label, Path dir, boolean integer) throws Exception {
        float[] javaOnly = childLogits(label, dir, integer);
        float[][] here = TierIndependenceCheck.logits(dir, LoadOptions.defaults().withIntegerSpikes(integer), RUNS);
        int vocab = javaOnly.length / (TierIndependenceCheck.PROMPT_TOKENS + ConcurrentSessionsCheck.DECODE_STEPS);
        assertEquals(javaOnly.length, here[0].length, label);
        for (int r = 0; r < RUNS; r++) {
            for (int i = 0; i < javaOnly.length; i++) {
                if (Float.floatToRawIntBits(javaOnly[i]) != Float.floatToRawIntBits(here[r][i])) {
                    fail(label + ", run " + r + ": logit " + (i % vocab) + " of step " + (i / vocab) + " is " + here[r][i]
                            + " in this JVM, " + javaOnly[i] + " in the Java implementations");
                }
            }
        }
    }

    private static float[] childLogits(String label, Path dir, boolean integer) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tier-logits", ".bin");
        try {
            C1OnlyJvm.run(label, TierIndependenceCheck.class, dir.toAbsolutePath().toString(), Boolean.toString(integer),
                    out.toString());
            try (var in = new DataInputStream(Files.newInputStream(out))) {
                float[] logits = new float[in.readInt()];
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = Float.intBitsToFloat(in.readInt());
                }
                return logits;
            }
        } finally {
            Files.delete(out);
        }
    }
}
