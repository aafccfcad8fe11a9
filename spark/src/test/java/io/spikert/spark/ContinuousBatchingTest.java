package io.spikert.spark;

import io.spikert.model.generate.SamplingParams;
import io.spikert.spark.rows.BatchGeneration;
import io.spikert.spark.rows.GenerationResult;
import io.spikert.spark.rows.RowTokens;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link BatchGeneration}'s continuous batching: a row that ends (here, one that cannot start) makes room for the next
 * in the same steps, results come back in input order, and a long first row holds back the reading of the input
 * only up to the bound.
 */
class ContinuousBatchingTest {
    static final LibraryModel lib = LibraryModel.base();



    private static RowTokens good(int[] prompt) {
        return RowTokens.of(prompt, lib.tokenizer, lib.model.config().vocabSize(), Long.MAX_VALUE);
    }

    private static RowTokens bad() {
        return RowTokens.of(null, lib.tokenizer, lib.model.config().vocabSize(), Long.MAX_VALUE);
    }

    @Test
    void aRowThatEndsMakesRoomForTheNext() {
        int max = 6;
        int[] prompt = lib.tokenizer.encode("Continuous batching keeps the batch full.");
        int[] lone = lib.generate(prompt, max, SamplingParams.GREEDY).tokens();
        assertTrue(lone.length >= 3, "the greedy row runs a few steps: " + lone.length);
        var o = GenerateTest.options().withBatchSize(2).withMaxNewTokens(max);
        List<RowTokens> rows = List.of(good(prompt), bad(), good(prompt), bad(), good(prompt));
        try (var gen = new BatchGeneration(lib.model, lib.tokenizer, lib.stopTokens, lib.sampleVocab, o.settings())) {
            List<GenerationResult> out = gen.run(rows);
            assertEquals(rows.size(), out.size());
            for (int i : new int[] {0, 2, 4}) {
                assertNull(out.get(i).error(), "row " + i);
                assertArrayEquals(lone, out.get(i).ids(), "row " + i + ": greedy ids as a lone Generator's");
            }
            for (int i : new int[] {1, 3}) {
                assertEquals("the input is null", out.get(i).error(), "row " + i);
            }
            // rows 0 and 2 decode together (row 1 failed at once and made room), then row 4: two rows' worth of
            // steps; waves of two ([0, 1], [2, 3], [4]) would take three
            assertEquals(2L * (lone.length - 1), gen.steps(), "decode steps");
        }
    }

    @Test
    void aLongFirstRowHoldsBackTheInputOnlyUpToTheBound() {
        int[] prompt = lib.tokenizer.encode("A row that runs while the others wait.");
        var o = GenerateTest.options().withBatchSize(2).withMaxNewTokens(5);
        List<RowTokens> rows = new ArrayList<>();
        rows.add(good(prompt));
        for (int i = 0; i < 30; i++) {
            rows.add(bad());
        }
        int[] read = {0};
        Iterator<RowTokens> counted = new Iterator<>() {
            final Iterator<RowTokens> it = rows.iterator();

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public RowTokens next() {
                read[0]++;
                return it.next();
            }
        };
        try (var gen = new BatchGeneration(lib.model, lib.tokenizer, lib.stopTokens, lib.sampleVocab, o.settings())) {
            Iterator<GenerationResult> out = gen.stream(counted);
            GenerationResult first = out.next();
            assertNull(first.error());
            int bound = BatchGeneration.AHEAD_PER_BATCH_ROW * 2;
            assertTrue(read[0] <= bound, read[0] + " rows read before the first result, bound " + bound);
            int n = 1;
            while (out.hasNext()) {
                assertEquals("the input is null", out.next().error(), "row " + n);
                n++;
            }
            assertEquals(rows.size(), n, "every row, in order");
            assertFalse(out.hasNext());
        }
    }
}
