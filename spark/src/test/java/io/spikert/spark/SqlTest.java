package io.spikert.spark;

import io.spikert.model.generate.Generator;
import io.spikert.model.generate.SamplingParams;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Spark SQL functions: {@code spikert_score(text)} registered by one call gives the library's scores bit for bit,
 * takes token-id arrays too, and returns an error field for a bad row; {@code spikert_generate(prompt)} gives the
 * library Generator's ids and text.
 */
class SqlTest {
    static final LibraryModel lib = LibraryModel.base();
    static String path;

    @BeforeAll
    static void setUp() throws Exception {
        path = TestModels.base().toString();
        var spark = TestSpark.session();
        // one call, the path alone: the compute threads come from spark.task.cpus (1 in the tests)
        SpikeRT.register(spark, "spikert_score", path);
        SpikeRT.registerGenerate(spark, "spikert_generate", GenerateOptions.of(path).withMaxNewTokens(2));
        List<Row> rows = new ArrayList<>();
        List<String> texts = Texts.many(8);
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, texts.get(i), lib.tokenizer.encode(texts.get(i))));
        }
        rows.add(RowFactory.create(8, null, new int[] {1, lib.model.config().vocabSize()}));
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType)
                .add("ids", DataTypes.createArrayType(DataTypes.IntegerType));
        TestSpark.frame(rows, schema, 2).createOrReplaceTempView("docs");
    }

    @Test
    void spikertScoreInSqlEqualsTheLibraryBitForBit() {
        List<Row> out = TestSpark.session().sql(
                "SELECT id, text, spikert_score(text) AS s, spikert_score(ids) AS t FROM docs WHERE id < 8 ORDER BY id").collectAsList();
        assertEquals(8, out.size());
        for (Row r : out) {
            double[] expected = lib.score(lib.tokenizer.encode(r.getString(1)));
            for (String col : List.of("s", "t")) {
                Row s = r.getStruct(r.fieldIndex(col));
                assertNull(s.getAs("error"));
                assertEquals(Double.doubleToRawLongBits(expected[0]), Double.doubleToRawLongBits(s.getAs("mean_log_likelihood")),
                        col + " of row " + r.getInt(0));
                assertEquals(Double.doubleToRawLongBits(expected[1]), Double.doubleToRawLongBits(s.getAs("perplexity")),
                        col + " of row " + r.getInt(0));
            }
        }
    }

    @Test
    void aBadRowInSqlHasAnErrorFieldAndNullScores() {
        Row r = TestSpark.session().sql(
                "SELECT spikert_score(text) AS s, spikert_score(ids).error AS e, spikert_score(ids).perplexity AS p FROM docs WHERE id = 8")
                .collectAsList().getFirst();
        assertEquals("the input is null", r.getStruct(0).getAs("error"));
        assertNull(r.getStruct(0).getAs("perplexity"));
        assertTrue(r.getString(1).contains("outside the vocabulary"), r.getString(1));
        assertTrue(r.isNullAt(2));
    }

    @Test
    void spikertGenerateInSqlEqualsTheLibraryGenerator() {
        List<Row> out = TestSpark.session().sql(
                "SELECT id, text, spikert_generate(text) AS g FROM docs WHERE id < 2 ORDER BY id").collectAsList();
        for (Row r : out) {
            Generator.Result expected = lib.generate(lib.tokenizer.encode(r.getString(1)), 2, SamplingParams.GREEDY);
            Row g = r.getStruct(2);
            assertNull(g.getAs("error"));
            assertArrayEquals(expected.tokens(), g.getList(g.fieldIndex("completion_ids")).stream().mapToInt(x -> (Integer) x).toArray());
            assertEquals(lib.text(expected.tokens()), g.getAs("completion"));
        }
    }
}
