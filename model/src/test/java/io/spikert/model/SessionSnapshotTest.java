package io.spikert.model;

import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.synthetic.SyntheticCheckpoint.RawValues;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A session resumed from a snapshot runs as the session it was taken from would have: its logits equal those of
 * an uninterrupted reference session that ran the same tokens (the reference never takes or restores a snapshot),
 * bit for bit on the CPU, in this JVM and in a child JVM compiled with C1 only ({@link SessionSnapshotCheck}). Base and W8ASpike; snapshots before the SWA window fills, after its rings wrapped, and
 * (window 100) after a ring grew past its first 64 slots; resumed at another chunk size; restored twice; restored
 * over a session that ran other tokens; a foreign model's snapshot refused.
 */
class SessionSnapshotTest {
    @TempDir
    static Path dir;
    /** W8ASpike needs widths in whole groups of 128; window 5, as TestModels.SMALL. */
    private static final SyntheticCheckpoint.Dims W8_DIMS = new SyntheticCheckpoint.Dims(300, 128, 4, 2, 1, 256, 5);
    /** A window past the CPU ring's first 64 slots, so a ring grows before it wraps. */
    private static final SyntheticCheckpoint.Dims WIDE = new SyntheticCheckpoint.Dims(300, 64, 4, 4, 2, 96, 100);
    private static final int CHUNK = 4;
    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend(2);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    static synchronized Path checkpoint(String variant) throws IOException {
        Path d = dir.resolve(variant);
        if (Files.exists(d)) {
            return d;
        }
        switch (variant) {
            case "base" -> TestModels.write(d, TestModels.SMALL, DType.F32);
            case "base-other-weights" -> SyntheticCheckpoint.write(d, TestModels.SMALL, DType.F32, 8L, b -> { }, false);
            case "wide" -> TestModels.write(d, WIDE, DType.F32);
            case "w8aspike" -> SyntheticCheckpoint.write(d, W8_DIMS, ModelVariant.W8ASPIKE, RawValues.BF16_AND_DOWN_CODES,
                    DType.F32, 9, x -> { }, false);
            default -> throw new IllegalArgumentException(variant);
        }
        return d;
    }

    /** The logits of every token of {@code tokens} (prefilled through a sink) and of each of {@code next} (decoded). */
    private static List<float[]> feed(Session s, int[] tokens, int[] next) {
        List<float[]> rows = new ArrayList<>();
        s.prefill(tokens, (index, logits, off) -> rows.add(Arrays.copyOfRange(logits, off, off + s.vocabSize())));
        for (int id : next) {
            rows.add(s.decode(id).clone());
        }
        return rows;
    }

    /** Rows equal bit for bit (the kernels' arithmetic does not depend on the JIT tier: TierIndependenceTest). */
    static void assertSameLogits(List<float[]> expected, List<float[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), what + ": row " + i + " differs, relative error "
                    + maxRelativeError(expected.get(i), actual.get(i)));
        }
    }

    private static double maxRelativeError(float[] expected, float[] actual) {
        return TestModels.relativeError(actual, 0, expected, 0, expected.length);
    }

    /** Variants and prefix lengths: 1 and 3 tokens (window 5 not yet full), 11 (rings wrapped, chunks of 4 crossed); 80 and 150 at window 100. */
    static Stream<Arguments> variantsAndPrefixes() {
        List<Arguments> all = new ArrayList<>();
        for (String v : new String[] {"base", "w8aspike"}) {
            for (int n : new int[] {1, 3, 11}) {
                all.add(Arguments.of(v, n));
            }
        }
        all.add(Arguments.of("wide", 80));
        all.add(Arguments.of("wide", 150));
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, prefix of {1}")
    @MethodSource("variantsAndPrefixes")
    void aResumedSessionRunsAsTheUninterruptedOne(String variant, int prefix) throws IOException {
        try (var model = SpikingBrainModel.load(checkpoint(variant), cpu)) {
            int vocab = model.config().vocabSize();
            int[] a = TestModels.ids(prefix, vocab, 1);
            int[] b = TestModels.ids(7, vocab, 2);
            int[] next = TestModels.ids(3, vocab, 3);

            Session reference = model.newSession(CHUNK);
            reference.prefill(a);
            List<float[]> expected = feed(reference, b, next);

            SessionSnapshot snap;
            try (Session original = model.newSession(CHUNK)) {
                original.prefill(a);
                snap = original.snapshot();
            }
            assertEquals(prefix, snap.position());
            assertEquals(model.identity(), snap.model());
            try (Session resumed = model.newSession(snap, CHUNK)) {
                assertEquals(prefix, resumed.position());
                List<float[]> actual = feed(resumed, b, next);
                assertSameLogits(expected, actual, variant + " resumed after " + prefix);
                assertEquals(reference.position(), resumed.position());
            }
            // the check can fail: without the prefix's state the same tokens give other logits, by far more than rounding
            List<float[]> fresh = feed(model.newSession(CHUNK), b, next);
            assertTrue(maxRelativeError(expected.getLast(), fresh.getLast()) > 1e-2,
                    "the prefix's state changes the last logits");
        }
    }

    /** Decode steps run one token whatever the chunk size, so a prefix decoded token by token is the same state at chunks 4 and 3. */
    @ParameterizedTest
    @ValueSource(strings = {"base", "w8aspike", "wide"})
    void aSnapshotResumesAtAnotherChunkSize(String variant) throws IOException {
        try (var model = SpikingBrainModel.load(checkpoint(variant), cpu)) {
            int vocab = model.config().vocabSize();
            int[] a = TestModels.ids(variant.equals("wide") ? 130 : 9, vocab, 4);
            int[] b = TestModels.ids(10, vocab, 5);
            Session reference = model.newSession(3);
            for (int id : a) {
                reference.decode(id);
            }
            List<float[]> expected = feed(reference, b, new int[] {1});
            Session original = model.newSession(CHUNK);
            for (int id : a) {
                original.decode(id);
            }
            List<float[]> actual = feed(model.newSession(original.snapshot(), 3), b, new int[] {1});
            assertSameLogits(expected, actual, variant + " taken at chunk 4, resumed at chunk 3");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "w8aspike"})
    void goingOnAfterASnapshotLeavesItAsItWas(String variant) throws IOException {
        try (var model = SpikingBrainModel.load(checkpoint(variant), cpu)) {
            int vocab = model.config().vocabSize();
            int[] a = TestModels.ids(8, vocab, 6);
            int[] later = TestModels.ids(13, vocab, 7); // wraps the window-5 rings again
            int[] b = TestModels.ids(5, vocab, 8);
            Session reference = model.newSession(CHUNK);
            reference.prefill(a);
            List<float[]> expected = feed(reference, b, new int[] {9, 10});

            Session original = model.newSession(CHUNK);
            original.prefill(a);
            SessionSnapshot snap = original.snapshot();
            long bytes = snap.bytes();
            original.prefill(later);
            original.decode(11);
            assertEquals(a.length + later.length + 1, original.position());
            assertEquals(a.length, snap.position(), "the snapshot's position");
            assertEquals(bytes, snap.bytes());
            assertSameLogits(expected, feed(model.newSession(snap, CHUNK), b, new int[] {9, 10}),
                    variant + " after the original went on");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "w8aspike"})
    void twoRestoresOfOneSnapshotAreIndependentSessions(String variant) throws IOException {
        try (var model = SpikingBrainModel.load(checkpoint(variant), cpu)) {
            int vocab = model.config().vocabSize();
            int[] a = TestModels.ids(6, vocab, 12);
            int[] x = TestModels.ids(9, vocab, 13);
            int[] y = TestModels.ids(4, vocab, 14);
            Session refX = model.newSession(CHUNK);
            refX.prefill(a);
            Session refY = model.newSession(CHUNK);
            refY.prefill(a);
            List<float[]> expectedX1 = feed(refX, x, new int[] {1, 2});
            List<float[]> expectedY = feed(refY, y, new int[] {3});
            List<float[]> expectedX2 = feed(refX, new int[] {4, 5, 6}, new int[0]);

            Session original = model.newSession(CHUNK);
            original.prefill(a);
            SessionSnapshot snap = original.snapshot();
            Session first = model.newSession(snap, CHUNK);
            Session second = model.newSession(snap, CHUNK);
            // interleaved: each step of one must leave the other alone
            assertSameLogits(expectedX1, feed(first, x, new int[] {1, 2}), variant + " first restore");
            assertSameLogits(expectedY, feed(second, y, new int[] {3}), variant + " second restore");
            assertSameLogits(expectedX2, feed(first, new int[] {4, 5, 6}, new int[0]), variant + " first restore, later");
        }
    }

    /** Restoring over a session that ran other tokens (its rings full of them) drops them all. */
    @ParameterizedTest
    @ValueSource(strings = {"base", "w8aspike", "wide"})
    void restoringOverAUsedSessionDropsWhatItRan(String variant) throws IOException {
        try (var model = SpikingBrainModel.load(checkpoint(variant), cpu)) {
            int vocab = model.config().vocabSize();
            int[] a = TestModels.ids(variant.equals("wide") ? 70 : 4, vocab, 15);
            int[] other = TestModels.ids(variant.equals("wide") ? 170 : 17, vocab, 16);
            int[] b = TestModels.ids(6, vocab, 17);
            Session reference = model.newSession(CHUNK);
            reference.prefill(a);
            List<float[]> expected = feed(reference, b, new int[] {2});

            Session original = model.newSession(CHUNK);
            original.prefill(a);
            SessionSnapshot snap = original.snapshot();
            Session used = model.newSession(CHUNK);
            used.prefill(other);
            used.restore(snap);
            assertEquals(a.length, used.position());
            assertSameLogits(expected, feed(used, b, new int[] {2}), variant + " restored over " + other.length + " tokens");
            // and back to the start: a snapshot of an empty session is the empty state
            SessionSnapshot empty = model.newSession(CHUNK).snapshot();
            assertEquals(0, empty.position());
            used.restore(empty);
            Session fresh = model.newSession(CHUNK);
            assertSameLogits(feed(fresh, b, new int[0]), feed(used, b, new int[0]), variant + " restored to position 0");
        }
    }

    /** The resume of {@link #aResumedSessionRunsAsTheUninterruptedOne}, bit for bit, in a child JVM compiled with C1 only. */
    @ParameterizedTest
    @ValueSource(strings = {"base", "w8aspike", "wide"})
    void underC1OnlyAResumedSessionMatchesBitForBit(String variant) throws IOException, InterruptedException {
        String prefixes = variant.equals("wide") ? "80,150" : "1,3,11";
        String text = C1OnlyJvm.run(variant, SessionSnapshotCheck.class, checkpoint(variant).toAbsolutePath().toString(),
                prefixes);
        assertTrue(text.contains("firstBitDifference=null"), variant + ": " + text);
    }

    @Test
    void aSnapshotHoldsTheStateOfAtMostTheWindowAndNoMoreThanTheSession() throws IOException {
        try (var model = SpikingBrainModel.load(checkpoint("base"), cpu)) {
            ModelConfig c = model.config();
            Session s = model.newSession(CHUNK);
            long gla = 4L * (c.numLayers() - c.swaLayerCount()) * c.numKvHeads() * c.headDim() * c.headDim();
            long perPosition = 8L * c.swaLayerCount() * c.numKvHeads() * c.headDim(); // a key and a value per kv head
            assertEquals(gla, s.snapshot().bytes(), "an empty session's snapshot: the GLA states only");
            s.prefill(TestModels.ids(3, c.vocabSize(), 18));
            assertEquals(gla + 3 * perPosition, s.snapshot().bytes(), "3 tokens, within the window of 5");
            s.prefill(TestModels.ids(20, c.vocabSize(), 19));
            SessionSnapshot full = s.snapshot();
            assertEquals(gla + c.slidingWindow() * perPosition, full.bytes(), "past the window: the last W positions");
            assertTrue(full.bytes() <= s.stateBytes(), full.bytes() + " bytes against the session's " + s.stateBytes());
        }
    }

    @Test
    void aSnapshotOutlivesAReloadOfItsCheckpoint() throws IOException {
        int[] a = TestModels.ids(7, 300, 20);
        int[] b = TestModels.ids(5, 300, 21);
        SessionSnapshot snap;
        List<float[]> expected;
        try (var model = SpikingBrainModel.load(checkpoint("base"), cpu)) {
            Session s = model.newSession(CHUNK);
            s.prefill(a);
            snap = s.snapshot();
            expected = feed(s, b, new int[0]);
        }
        try (var again = SpikingBrainModel.load(checkpoint("base").resolve("..").resolve("base"), cpu)) {
            assertEquals(snap.model(), again.identity(), "one folder, however it is spelled, is one model");
            assertSameLogits(expected, feed(again.newSession(snap, CHUNK), b, new int[0]), "after a reload");
        }
    }

    @Test
    void aSnapshotOfAnotherModelIsRefusedNamingTheDifference() throws IOException {
        try (var base = SpikingBrainModel.load(checkpoint("base"), cpu);
             var otherWeights = SpikingBrainModel.load(checkpoint("base-other-weights"), cpu);
             var wide = SpikingBrainModel.load(checkpoint("wide"), cpu);
             var w8 = SpikingBrainModel.load(checkpoint("w8aspike"), cpu)) {
            Session s = base.newSession(CHUNK);
            s.prefill(TestModels.ids(6, 300, 22));
            SessionSnapshot snap = s.snapshot();

            Session target = otherWeights.newSession(CHUNK);
            target.prefill(TestModels.ids(2, 300, 23));
            var e = assertThrows(IllegalArgumentException.class, () -> target.restore(snap));
            assertTrue(e.getMessage().contains("the weights of " + checkpoint("base").toAbsolutePath().normalize()), e.getMessage());
            assertTrue(e.getMessage().contains("base-other-weights"), e.getMessage());
            assertEquals(2, target.position(), "a refused restore changes nothing");

            e = assertThrows(IllegalArgumentException.class, () -> wide.newSession(snap));
            assertTrue(e.getMessage().contains("the weights of"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> w8.newSession(snap, CHUNK));
            assertTrue(e.getMessage().contains("cannot be restored on"), e.getMessage());

            // one folder, another config: the identity names the field
            ModelIdentity id = base.identity();
            ModelConfig c = id.config();
            ModelConfig wider = new ModelConfig(c.architecture(), c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(),
                    c.intermediateSize(), c.attnLayers(), 100, c.ropeTheta(), c.normEps(), c.tieWordEmbeddings(),
                    c.eosTokenIds());
            var foreign = new SessionSnapshot(new ModelIdentity(id.source(), id.variant(), wider), 0, new float[0][]);
            e = assertThrows(IllegalArgumentException.class, () -> base.newSession(foreign));
            assertTrue(e.getMessage().contains("a config whose slidingWindow is 100, not 5"), e.getMessage());
            var otherVariant = new SessionSnapshot(new ModelIdentity(id.source(), ModelVariant.W8ASPIKE, c), 0, new float[0][]);
            e = assertThrows(IllegalArgumentException.class, () -> s.restore(otherVariant));
            assertTrue(e.getMessage().contains("the W8ASPIKE variant, not BASE"), e.getMessage());
            assertEquals(6, s.position());
        }
    }

    @Test
    void aClosedSessionTakesAndRestoresNoSnapshot() throws IOException {
        try (var model = SpikingBrainModel.load(checkpoint("base"), cpu)) {
            Session s = model.newSession(CHUNK);
            SessionSnapshot snap = s.snapshot();
            s.close();
            assertThrows(IllegalStateException.class, s::snapshot);
            assertThrows(IllegalStateException.class, () -> s.restore(snap));
        }
    }

    /** A restored session steps in a batch as any other: a BatchDecoder step matches the reference's own decode. */
    @ParameterizedTest
    @ValueSource(strings = {"base", "w8aspike"})
    void restoredSessionsStepInABatch(String variant) throws IOException {
        try (var model = SpikingBrainModel.load(checkpoint(variant), cpu); var decoder = model.newBatchDecoder(2)) {
            int vocab = model.config().vocabSize();
            int[] a = TestModels.ids(9, vocab, 24);
            Session reference = model.newSession(CHUNK);
            reference.prefill(a);
            Session original = model.newSession(CHUNK);
            original.prefill(a);
            Session resumed = model.newSession(original.snapshot(), CHUNK);
            Session other = model.newSession(CHUNK);
            other.prefill(TestModels.ids(3, vocab, 25));
            for (int step = 0; step < 3; step++) {
                float[] together = decoder.decode(List.of(other, resumed), new int[] {5 + step, 20 + step});
                float[] own = reference.decode(20 + step);
                double err = TestModels.relativeError(together, vocab, own, 0, vocab);
                assertTrue(err < 1e-5, variant + " step " + step + ": relative logit error " + err);
            }
            assertEquals(reference.position(), resumed.position());
        }
    }
}
