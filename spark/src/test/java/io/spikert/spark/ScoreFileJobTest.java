package io.spikert.spark;

import io.spikert.spark.example.ScoreFileJob;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The example job: a JSONL file of texts in, a Parquet folder of scored rows out; it refuses to replace its output. */
class ScoreFileJobTest {
    @TempDir
    Path tmp;

    @Test
    void scoresAJsonLinesFileIntoParquet() throws Exception {
        List<String> texts = Texts.many(10);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            lines.add("{\"id\": " + i + ", \"text\": " + com.fasterxml.jackson.databind.json.JsonMapper.builder().build()
                    .writeValueAsString(texts.get(i)) + "}");
        }
        lines.add("{\"id\": 10, \"text\": \"\"}");
        Path input = Files.write(tmp.resolve("texts.jsonl"), lines);
        Path output = tmp.resolve("scores.parquet");
        String model = TestModels.base().toString();
        String[] args = {"--model", model, "--input", input.toString(), "--output", output.toString(), "--partitions", "2",
                "--compute-threads", "1"};
        ScoreFileJob.Summary s = ScoreFileJob.run(TestSpark.session(), args);
        assertEquals(11, s.rows());
        assertEquals(1, s.errors(), "the empty text");
        List<Row> rows = TestSpark.session().read().parquet(output.toString()).orderBy("id").collectAsList();
        var lib = LibraryModel.base();
        for (int i = 0; i < texts.size(); i++) {
            double[] expected = lib.score(lib.tokenizer.encode(texts.get(i)));
            assertEquals(texts.get(i), rows.get(i).getAs("text"));
            assertEquals(Double.doubleToRawLongBits(expected[1]), Double.doubleToRawLongBits(rows.get(i).getAs("perplexity")), "row " + i);
        }
        assertEquals("the text is empty", rows.get(10).getAs("error"));
        // a second run must not replace what the first wrote
        long before = Files.walk(output).count();
        assertThrows(Exception.class, () -> ScoreFileJob.run(TestSpark.session(), args));
        assertEquals(before, Files.walk(output).count());
        var bad = assertThrows(IllegalArgumentException.class, () -> ScoreFileJob.run(TestSpark.session(),
                new String[] {"--model", model, "--input", input.toString(), "--output", tmp.resolve("x").toString(), "--task", "summarize"}));
        assertTrue(bad.getMessage().contains("--task must be score or generate"), bad.getMessage());
    }
}
