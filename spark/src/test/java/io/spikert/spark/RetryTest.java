package io.spikert.spark;

import io.spikert.model.generate.SamplingParams;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A task that throws partway through its partition is retried (local[2,4]: up to four attempts), and the job's output
 * is complete and unduplicated, each row equal to what it is without the failure: the library's score bit for bit, and
 * the same generated ids with seeded sampling.
 */
class RetryTest {
    static final LibraryModel lib = LibraryModel.base();



    @Test
    void aScoringTaskThatThrowsOnceIsRetriedAndTheOutputIsCompleteAndUnduplicated() {
        List<String> texts = Texts.many(12);
        Dataset<Row> df = TestSpark.frame(ScoreTest.rows(texts), ScoreTest.TEXTS, 2);
        var f = new ScorePartitions(df.schema(), "text", ScoreTest.options());
        int before = FailOnFirstAttempt.INJECTED.get();
        List<Row> out = df.mapPartitions(new FailOnFirstAttempt(f, 3), Encoders.row(f.outputSchema())).collectAsList();
        assertEquals(before + 1, FailOnFirstAttempt.INJECTED.get(), "the first attempt of partition 0 failed once");
        ScoreTest.assertLibraryScores(lib, texts, out); // every row once, each the library's score
    }

    @Test
    void aGenerationTaskThatThrowsOnceRecomputesTheSameSeededRows() {
        List<String> texts = Texts.many(6);
        Dataset<Row> df = TestSpark.frame(ScoreTest.rows(texts), ScoreTest.TEXTS, 2);
        GenerateOptions options = GenerateTest.options().withMaxNewTokens(4).withBatchSize(2)
                .withSampling(Sampling.of(SamplingParams.ofTemperature(0.9f, 1234).withTopK(40)));
        List<Row> clean = SpikeRT.generate(df, "text", options).collectAsList();
        var f = new GeneratePartitions(df.schema(), "text", options);
        int before = FailOnFirstAttempt.INJECTED.get();
        List<Row> retried = df.mapPartitions(new FailOnFirstAttempt(f, 3), Encoders.row(f.outputSchema())).collectAsList();
        assertEquals(before + 1, FailOnFirstAttempt.INJECTED.get(), "the first attempt of partition 0 failed once");
        assertEquals(texts.size(), retried.size());
        Map<Integer, Row> byId = new HashMap<>();
        for (Row r : retried) {
            assertNull(byId.put(r.getInt(0), r), "row " + r.getInt(0) + " appears twice");
        }
        for (Row c : clean) {
            Row r = byId.get(c.getInt(0));
            assertNotNull(r, "row " + c.getInt(0) + " is missing");
            assertNull(r.getAs("error"));
            assertArrayEquals(GenerateTest.ids(c), GenerateTest.ids(r), "row " + c.getInt(0));
            assertEquals((String) c.getAs("completion"), r.getAs("completion"));
        }
    }
}
