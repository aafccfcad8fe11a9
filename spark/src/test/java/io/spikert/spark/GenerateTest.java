package io.spikert.spark;

import io.spikert.model.generate.Generator;
import io.spikert.model.generate.SamplingParams;
import io.spikert.spark.executor.ModelSpec;
import io.spikert.spark.rows.BatchGeneration;
import io.spikert.spark.rows.GenerationResult;
import io.spikert.spark.rows.RowTokens;

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
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link SpikeRT#generate} in a local Spark: with a batch of one, every row's ids, text and finish reason are the
 * library Generator's (greedy and seeded sampling); with batches, a partition's rows in the same order give the ids
 * {@link BatchGeneration} gives in one JVM, bit for bit (continuous batching: which rows share a step depends only on
 * the rows and their order), and greedy ids equal Generator's row by row; bad rows get an error while the other rows
 * generate.
 */
class GenerateTest {
    static final LibraryModel lib = LibraryModel.base();



    /** The test model on one compute thread per task, as the bit-for-bit comparisons need. */
    static GenerateOptions options() {
        try {
            String path = TestModels.base().toString();
            return GenerateOptions.of(path).withModel(ModelSpec.of(path).withComputeThreads(1));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int[] ids(Row r) {
        Object v = r.getAs("completion_ids");
        if (v == null) {
            return null;
        }
        return r.getList(r.fieldIndex("completion_ids")).stream().mapToInt(x -> (Integer) x).toArray();
    }

    static Map<Integer, Row> byId(List<Row> out) {
        Map<Integer, Row> m = new HashMap<>();
        for (Row r : out) {
            assertNull(m.put(r.getInt(0), r), "row " + r.getInt(0) + " appears twice");
        }
        return m;
    }

    /**
     * With a batch of one, greedy and seeded sampling: the library Generator's ids, text and finish reason.
     */
    @Test
    void rowsDecodedAloneEqualTheLibraryGenerator() {
        List<String> texts = Texts.many(2);
        int max = 2;
        for (SamplingParams params : List.of(SamplingParams.GREEDY,
                SamplingParams.ofTemperature(0.8f, 42).withTopP(0.95f).withRepetitionPenalty(1.1f))) {
            GenerateOptions o = options().withBatchSize(1).withMaxNewTokens(max).withSampling(Sampling.of(params));
            Map<Integer, Row> out = byId(SpikeRT.generate(TestSpark.frame(ScoreTest.rows(texts), ScoreTest.TEXTS, 2), "text", o)
                    .collectAsList());
            assertEquals(texts.size(), out.size());
            for (int i = 0; i < texts.size(); i++) {
                int[] prompt = lib.tokenizer.encode(texts.get(i));
                Generator.Result expected = lib.generate(prompt, max, params);
                Row r = out.get(i);
                String what = params + ", row " + i;
                assertNull(r.getAs("error"), what);
                assertArrayEquals(expected.tokens(), ids(r), what);
                assertEquals(lib.text(expected.tokens()), r.getAs("completion"), what);
                assertEquals(expected.stopReason().name().toLowerCase(Locale.ROOT), r.getAs("finish_reason"), what);
                assertEquals(prompt.length, (int) r.getAs("prompt_tokens"), what);
            }
        }
    }

    @Test
    void batchedRowsEqualTheSameWavesInOneJvmAndGreedyIdsEqualGenerator() {
        List<String> texts = Texts.many(8); // two partitions of 4, a batch of 4
        int max = 4;
        GenerateOptions o = options().withBatchSize(4).withMaxNewTokens(max);
        Dataset<Row> df = TestSpark.frame(ScoreTest.rows(texts), ScoreTest.TEXTS, 2);
        Map<Integer, Row> out = byId(SpikeRT.generate(df, "text", o).collectAsList());
        assertEquals(texts.size(), out.size());
        // the same partitions' rows in the same order, through BatchGeneration on the test's own model
        List<List<Row>> partitions = df.javaRDD().glom().collect();
        assertEquals(2, partitions.size());
        int vocab = lib.model.config().vocabSize();
        try (var gen = new BatchGeneration(lib.model, lib.tokenizer, lib.stopTokens, lib.sampleVocab, o.settings())) {
            for (List<Row> part : partitions) {
                List<RowTokens> inputs = new ArrayList<>();
                for (Row r : part) {
                    inputs.add(RowTokens.of(r.getString(1), lib.tokenizer, vocab, Long.MAX_VALUE));
                }
                List<GenerationResult> expected = gen.run(inputs);
                for (int k = 0; k < part.size(); k++) {
                    int id = part.get(k).getInt(0);
                    assertArrayEquals(expected.get(k).ids(), ids(out.get(id)), "row " + id);
                    assertEquals(expected.get(k).text(), out.get(id).getAs("completion"), "row " + id);
                }
            }
        }
        // a batch step's logits equal a lone session's to rounding: the greedy ids come out the same here (a few rows:
        // the lone sessions' decode steps are the slow ones in this JVM)
        for (int i = 0; i < 2; i++) {
            int[] prompt = lib.tokenizer.encode(texts.get(i));
            assertArrayEquals(lib.generate(prompt, max, SamplingParams.GREEDY).tokens(), ids(out.get(i)), "row " + i);
        }
    }

    @Test
    void badRowsGetAnErrorAndTheOtherRowsGenerate() {
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("ids", DataTypes.createArrayType(DataTypes.IntegerType));
        int vocab = lib.model.config().vocabSize();
        int[] good = lib.tokenizer.encode("A prompt that is fine.");
        List<Row> rows = List.of(
                RowFactory.create(0, good),
                RowFactory.create(1, null),
                RowFactory.create(2, new int[] {1, 2, vocab + 5}),
                RowFactory.create(3, new int[30]),
                RowFactory.create(4, good));
        GenerateOptions o = options().withBatchSize(8).withMaxNewTokens(5).withMaxPromptTokens(20);
        List<Row> out = SpikeRT.generate(TestSpark.frame(rows, schema, 1), "ids", o).collectAsList();
        assertEquals(List.of(0, 1, 2, 3, 4), out.stream().map(r -> r.getInt(0)).toList(), "emitted in input order");
        int[] expected = lib.generate(good, 5, SamplingParams.GREEDY).tokens();
        for (int id : new int[] {0, 4}) {
            assertNull(out.get(id).getAs("error"));
            assertArrayEquals(expected, ids(out.get(id)));
        }
        assertEquals("the input is null", out.get(1).getAs("error"));
        assertTrue(((String) out.get(2).getAs("error")).contains("token id " + (vocab + 5) + " at index 2 is outside the vocabulary"));
        assertEquals("30 tokens: over the limit of 20", out.get(3).getAs("error"));
        for (int id : new int[] {1, 2, 3}) {
            assertNull(out.get(id).getAs("completion_ids"));
            assertNull(out.get(id).getAs("completion"));
            assertNull(out.get(id).getAs("finish_reason"));
        }
    }

    @Test
    void aStopStringCutsTheTextAsTheCliDoes() {
        List<String> texts = Texts.many(4);
        GenerateOptions plain = options().withBatchSize(4).withMaxNewTokens(10);
        Dataset<Row> df = TestSpark.frame(ScoreTest.rows(texts), ScoreTest.TEXTS, 1);
        Map<Integer, Row> uncut = byId(SpikeRT.generate(df, "text", plain).collectAsList());
        // a stop string that occurs: two characters from the middle of row 0's completion
        String full = uncut.get(0).getAs("completion");
        assertTrue(full.length() >= 4, "a completion to cut: '" + full + "'");
        String stop = full.substring(full.length() / 2, full.length() / 2 + 2);
        Map<Integer, Row> out = byId(SpikeRT.generate(df, "text", plain.withStops(List.of(stop))).collectAsList());
        assertEquals("stop_string", out.get(0).getAs("finish_reason"));
        assertEquals(full.substring(0, full.indexOf(stop)), out.get(0).getAs("completion"));
        for (Row r : out.values()) {
            String c = r.getAs("completion");
            String u = uncut.get(r.getInt(0)).getAs("completion");
            assertFalse(c.contains(stop), "row " + r.getInt(0) + ": '" + c + "' holds the stop string");
            assertEquals(u.contains(stop) ? u.substring(0, u.indexOf(stop)) : u, c, "row " + r.getInt(0));
        }
    }
}
