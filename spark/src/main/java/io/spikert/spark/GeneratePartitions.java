package io.spikert.spark;

import io.spikert.spark.executor.ExecutorModel;
import io.spikert.spark.executor.ExecutorModels;
import io.spikert.spark.rows.BatchGeneration;
import io.spikert.spark.rows.GenerationResult;
import io.spikert.spark.rows.RowTokens;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * {@link SpikeRT#generate}'s work on one partition: the rows generated through one {@link BatchGeneration} stream
 * (continuous batching: up to the batch size decode together, a row that ends makes room for the next), read as the
 * stream admits them and emitted in input order. The task's batch decoder is freed when the partition ends or the
 * task does.
 */
public final class GeneratePartitions implements MapPartitionsFunction<Row, Row> {
    private final GenerateOptions options;
    private final Columns.Input input;
    private final StructType outputSchema;

    public GeneratePartitions(StructType schema, String column, GenerateOptions options) {
        this.options = options;
        this.input = Columns.input(schema, column);
        this.outputSchema = Columns.append(schema, Columns.GENERATE);
    }

    /** The input's columns, then completion, completion_ids, finish_reason, prompt_tokens and error. */
    public StructType outputSchema() {
        return outputSchema;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        ExecutorModel em = ExecutorModels.get(options.model());
        long limit = Math.min(options.maxPromptTokens(), em.model().config().contextLimit());
        int vocab = em.model().config().vocabSize();
        var generation = new BatchGeneration(em.model(), em.tokenizer(), em.stopTokens(), em.sampleVocab(), options.settings());
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> generation.close());
        }
        // the input rows in the order the stream reads them: its results come back in that order
        ArrayDeque<Row> read = new ArrayDeque<>();
        Iterator<GenerationResult> results = generation.stream(new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public RowTokens next() {
                Row row = rows.next();
                read.add(row);
                return RowTokens.of(input.value(row), em.tokenizer(), vocab, limit);
            }
        });
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                if (results.hasNext()) {
                    return true;
                }
                generation.close();
                return false;
            }

            @Override
            public Row next() {
                GenerationResult r = results.next();
                return Columns.append(read.poll(), r.text(), r.ids(), r.finishReason(), r.promptTokens(), r.error());
            }
        };
    }
}
