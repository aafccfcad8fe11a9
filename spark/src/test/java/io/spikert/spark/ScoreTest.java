package io.spikert.spark;

import io.spikert.spark.executor.ModelSpec;

import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link SpikeRT#score} in a local Spark: every row's score equals the library's own (a session's prefill, log softmax
 * in double) bit for bit; bad rows get nulls and an error; ids columns score as their text; a missing model path fails
 * the job naming the path.
 */
class ScoreTest {
    static final StructType TEXTS = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType);
    static final LibraryModel lib = LibraryModel.base();



    /** The test model on one compute thread per task, as the bit-for-bit comparisons need. */
    static ScoreOptions options() {
        try {
            String path = TestModels.base().toString();
            return ScoreOptions.of(path).withModel(ModelSpec.of(path).withComputeThreads(1));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<Row> rows(List<String> texts) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, texts.get(i)));
        }
        return rows;
    }

    /** Every row's mean log-likelihood and perplexity equal the library's for the same text, to the last bit. */
    static void assertLibraryScores(LibraryModel lib, List<String> texts, List<Row> out) {
        assertEquals(texts.size(), out.size(), "one output row per input row");
        Map<Integer, Row> byId = new HashMap<>();
        for (Row r : out) {
            assertNull(byId.put(r.getInt(0), r), "row " + r.getInt(0) + " appears twice");
        }
        for (int i = 0; i < texts.size(); i++) {
            Row r = byId.get(i);
            assertNotNull(r, "row " + i + " is missing");
            int[] ids = lib.tokenizer.encode(texts.get(i));
            double[] expected = lib.score(ids);
            assertNull(r.getAs("error"), "row " + i);
            assertEquals(ids.length, (int) r.getAs("tokens"), "row " + i);
            assertEquals(Double.doubleToRawLongBits(expected[0]), Double.doubleToRawLongBits(r.getAs("mean_log_likelihood")),
                    "mean log-likelihood of row " + i + ": " + expected[0] + " vs " + r.getAs("mean_log_likelihood"));
            assertEquals(Double.doubleToRawLongBits(expected[1]), Double.doubleToRawLongBits(r.getAs("perplexity")),
                    "perplexity of row " + i);
        }
    }

    @Test
    void scoresEqualTheLibraryBitForBit() {
        List<String> texts = Texts.many(24);
        Dataset<Row> df = TestSpark.frame(rows(texts), TEXTS, 3);
        List<Row> out = SpikeRT.score(df, "text", options()).collectAsList();
        assertLibraryScores(lib, texts, out);
        assertEquals(List.of("id", "text", "mean_log_likelihood", "perplexity", "tokens", "error"),
                Arrays.asList(SpikeRT.score(df, "text", options()).columns()));
    }

    @Test
    void anIdsColumnScoresAsItsText() {
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("ids", DataTypes.createArrayType(DataTypes.IntegerType));
        List<String> texts = Texts.SAMPLE;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, lib.tokenizer.encode(texts.get(i))));
        }
        List<Row> out = SpikeRT.score(TestSpark.frame(rows, schema, 2), "ids", options()).collectAsList();
        assertLibraryScores(lib, texts, out);
    }

    @Test
    void aBadRowGetsNullsAndAnErrorAndTheOthersAreScored() {
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("ids", DataTypes.createArrayType(DataTypes.IntegerType));
        int vocab = lib.model.config().vocabSize();
        int[] good = lib.tokenizer.encode(Texts.SAMPLE.getFirst());
        List<Row> rows = List.of(
                RowFactory.create(0, good),
                RowFactory.create(1, null),
                RowFactory.create(2, new int[0]),
                RowFactory.create(3, new int[] {5, vocab, 7}),
                RowFactory.create(4, new int[] {5, -1}),
                RowFactory.create(5, new int[] {42}),
                RowFactory.create(6, new int[40]));
        List<Row> out = SpikeRT.score(TestSpark.frame(rows, schema, 2), "ids", options().withMaxTokens(32))
                .orderBy("id").collectAsList();
        assertEquals(7, out.size());
        assertNull(out.get(0).getAs("error"));
        assertEquals(Double.doubleToRawLongBits(lib.score(good)[1]), Double.doubleToRawLongBits(out.get(0).getAs("perplexity")));
        Map<Integer, String> expectedError = Map.of(
                1, "the input is null",
                2, "no token ids",
                3, "token id " + vocab + " at index 1 is outside the vocabulary",
                4, "token id -1 at index 1 is outside the vocabulary",
                5, "one token has no next token to predict",
                6, "40 tokens: over the limit of 32");
        expectedError.forEach((id, message) -> {
            Row r = out.get(id);
            String error = r.getAs("error");
            assertNotNull(error, "row " + id);
            assertTrue(error.contains(message), "row " + id + ": " + error);
            assertNull(r.getAs("mean_log_likelihood"), "row " + id);
            assertNull(r.getAs("perplexity"), "row " + id);
        });
    }

    @Test
    void emptyAndNullTextsAreRowErrors() {
        List<Row> rows = List.of(RowFactory.create(0, ""), RowFactory.create(1, null), RowFactory.create(2, "Fine text here."));
        List<Row> out = SpikeRT.score(TestSpark.frame(rows, TEXTS, 2), "text", options()).orderBy("id").collectAsList();
        assertEquals("the text is empty", out.get(0).getAs("error"));
        assertEquals("the input is null", out.get(1).getAs("error"));
        assertNull(out.get(2).getAs("error"));
        assertNotNull(out.get(2).getAs("perplexity"));
    }

    @Test
    void aMissingModelPathFailsTheJobNamingThePath() {
        String missing = lib.model.checkpoint().directory().resolveSibling("no-such-model").toString();
        Dataset<Row> df = TestSpark.frame(rows(List.of("some text")), TEXTS, 1);
        SparkException e = assertThrows(SparkException.class,
                () -> SpikeRT.score(df, "text", ScoreOptions.of(missing)).collectAsList());
        assertTrue(e.getMessage().contains("SpikeRT model path " + missing + " does not exist on"), e.getMessage());
    }

    @Test
    void aColumnThatIsNeitherTextNorIdsIsRefusedOnTheDriver() {
        Dataset<Row> df = TestSpark.frame(rows(List.of("x")), TEXTS, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> SpikeRT.score(df, "id", options()));
        assertTrue(e.getMessage().contains("column 'id' is int"), e.getMessage());
        var taken = assertThrows(IllegalArgumentException.class,
                () -> SpikeRT.score(SpikeRT.score(df, "text", options()), "text", options()));
        assertTrue(taken.getMessage().contains("already has a column 'mean_log_likelihood'"), taken.getMessage());
    }
}
