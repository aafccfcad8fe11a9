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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * {@link SpikeRT#generate}'s work on one partition: the rows read in waves of the batch size, each wave generated
 * through one {@link BatchGeneration} (its rows' decode steps batched) and emitted in input order before the next
 * wave is read. The task's batch decoder is freed when the partition ends or the task does.
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
        int batch = options.batchSize();
        var generation = new BatchGeneration(em.model(), em.tokenizer(), em.stopTokens(), em.sampleVocab(), options.settings());
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> generation.close());
        }
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                if (ready.isEmpty() && rows.hasNext()) {
                    List<Row> wave = new ArrayList<>(batch);
                    List<RowTokens> inputs = new ArrayList<>(batch);
                    while (wave.size() < batch && rows.hasNext()) {
                        Row row = rows.next();
                        wave.add(row);
                        inputs.add(RowTokens.of(input.value(row), em.tokenizer(), vocab, limit));
                    }
                    List<GenerationResult> results = generation.wave(inputs);
                    for (int i = 0; i < wave.size(); i++) {
                        GenerationResult r = results.get(i);
                        ready.add(Columns.append(wave.get(i), r.text(),
                                r.ids(),
                                r.finishReason(), r.promptTokens(), r.error()));
                    }
                }
                if (ready.isEmpty()) {
                    generation.close();
                    return false;
                }
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }
        };
    }
}
