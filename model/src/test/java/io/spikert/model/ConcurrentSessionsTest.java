package io.spikert.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Sessions of one shared model are independent: four sessions on four threads give the logits of the
 * same prompts run one after another ({@link ConcurrentSessionsCheck}: different prompt lengths, chunked
 * prefill and decode steps, several rounds, every step's forward passes in flight together).
 *
 * <p>Bit for bit, both in a child JVM compiled with C1 only (the Vector API's Java implementations) and in the
 * test JVM, where C2 compiles the kernels as they get hot: the kernels' lane sums and exponentials do not depend
 * on the tier ({@link TierIndependenceTest}), so any difference is the sessions'. (Before they did, the C2 check
 * needed a bound of 1e-4: the same prompt alone on one thread changed its last bits at runs 6, 7, 10, 11, 13,
 * 14, 28, 277, 278, 290 and 291 of 400, docs/SOAK.md.)
 *
 * <p>With a one-thread compute pool each session computes on its own thread only; with a two-thread pool
 * shared by the four sessions, regions from different callers run in turn, each split the same way, so
 * equality must still be exact.
 */
class ConcurrentSessionsTest {
    static final Path TINY = Path.of("src/test/resources/tiny");
    static final Path TINY_W8ASPIKE = Path.of("src/test/resources/tiny-w8aspike");
    /** Rounds of the child-JVM runs: a fresh session per thread each round, prompts rotated. */
    static final int ROUNDS = 2;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("base f32", TINY.resolve("f32"), true, 1),
                Arguments.of("base bf16", TINY.resolve("bf16-safetensors"), true, 1),
                Arguments.of("w8aspike integer", TINY_W8ASPIKE, true, 1),
                Arguments.of("w8aspike fake-quant", TINY_W8ASPIKE, false, 1),
                Arguments.of("base f32, shared 2-thread pool", TINY.resolve("f32"), true, 2),
                Arguments.of("w8aspike integer, shared 2-thread pool", TINY_W8ASPIKE, true, 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void concurrentSessionsMatchSequentialRunsBitForBitInAC1OnlyJvm(String label, Path dir, boolean integer, int computeThreads)
            throws IOException, InterruptedException {
        String text = C1OnlyJvm.run(label, ConcurrentSessionsCheck.class, dir.toAbsolutePath().toString(),
                Boolean.toString(integer), Integer.toString(computeThreads), Integer.toString(ROUNDS));
        assertTrue(text.contains("firstBitDifference=null"), label + ": " + text);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void concurrentSessionsMatchSequentialRunsBitForBitUnderC2(String label, Path dir, boolean integer, int computeThreads) throws Exception {
        var outcome = ConcurrentSessionsCheck.run(dir, LoadOptions.defaults().withIntegerSpikes(integer), computeThreads, 3);
        assertEquals(outcome.expectedMeetings(), outcome.meetings(), label + ": every step had all threads in flight together");
        assertNull(outcome.firstBitDifference(), label + ": relative logit difference " + outcome.maxRelativeError());
    }
}
