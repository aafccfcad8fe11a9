package io.spikert.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * SpikeRT on Spark: Dataset operations that add model outputs as columns, and Spark SQL functions, over one model
 * per executor JVM ({@link io.spikert.spark.executor.ExecutorModels}: loaded once per model spec from a path every
 * executor can read, memory-mapped, shared by the executor's tasks; each row runs in a session of its own).
 *
 * <p>A row that cannot run (null or empty input, a prompt over the token limit or the context limit, token ids outside
 * the vocabulary) gets nulls and a message in the {@code error} column; the job goes on. Greedy or seeded sampling
 * makes a retried task recompute the same rows with the same results. A model path missing on an executor fails
 * the task at once, naming the path and the executor.
 *
 * <p>The input column is a string (tokenized with the model's tokenizer) or an array of int token ids. Usable from
 * Scala as it is: {@code SpikeRT.score(df, "text", ScoreOptions.of(path))}.
 */
public final class SpikeRT {
    private SpikeRT() {}

    /**
     * {@code df} with {@code mean_log_likelihood}, {@code perplexity} (as {@code spikert score} prints them),
     * {@code tokens} and {@code error} added.
     */
    public static Dataset<Row> score(Dataset<Row> df, String column, ScoreOptions options) {
        var f = new ScorePartitions(df.schema(), column, options);
        return df.mapPartitions(f, Encoders.row(f.outputSchema()));
    }

    /**
     * {@code df} with {@code completion} (text; null without a tokenizer), {@code completion_ids}, {@code finish_reason},
     * {@code prompt_tokens} and {@code error} added. A partition's rows decode in batches of
     * {@link GenerateOptions#batchSize()}.
     */
    public static Dataset<Row> generate(Dataset<Row> df, String column, GenerateOptions options) {
        var f = new GeneratePartitions(df.schema(), column, options);
        return df.mapPartitions(f, Encoders.row(f.outputSchema()));
    }

    /**
     * {@code df} with a W8ASpike model's spike statistics of each row added: {@code tokens}, {@code spikes},
     * {@code firing_rate}, {@code silent_share}, {@code mean_abs_count}, {@code sparsity_t3}, {@code error}.
     */
    public static Dataset<Row> spikes(Dataset<Row> df, String column, SpikeOptions options) {
        var f = new SpikePartitions(df.schema(), column, options);
        return df.mapPartitions(f, Encoders.row(f.outputSchema()));
    }

    /**
     * Registers {@code name(text_or_ids)} with the model at {@code modelPath}: a struct of mean_log_likelihood,
     * perplexity, tokens and error, as in {@code SELECT spikert_score(text).perplexity FROM t}.
     */
    public static void register(SparkSession spark, String name, String modelPath) {
        register(spark, name, ScoreOptions.of(modelPath));
    }

    /** As {@link #register(SparkSession, String, String)}, with the options given. */
    public static void register(SparkSession spark, String name, ScoreOptions options) {
        spark.udf().register(name, new SqlFunctions.Score(options), Columns.SCORE);
    }

    /**
     * Registers {@code name(prompt_or_ids)}: a struct of completion, completion_ids, finish_reason, prompt_tokens and
     * error; each call generates alone (no batching; {@link #generate} batches a partition's rows).
     */
    public static void registerGenerate(SparkSession spark, String name, GenerateOptions options) {
        spark.udf().register(name, new SqlFunctions.Generate(options), Columns.GENERATE);
    }
}
