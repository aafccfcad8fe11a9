package io.spikert.spark;

import io.spikert.spark.executor.ExecutorModel;
import io.spikert.spark.executor.ExecutorModels;
import io.spikert.spark.rows.BatchGeneration;
import io.spikert.spark.rows.GenerationResult;
import io.spikert.spark.rows.RowTokens;
import io.spikert.spark.rows.ScoreResult;
import io.spikert.spark.rows.Scoring;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;

import java.util.List;

/**
 * The Spark SQL functions {@link SpikeRT#register} installs. Each call takes the executor's shared model and runs
 * one row (a SQL function sees one row at a time, so generation here does not batch; {@link SpikeRT#generate} does).
 * The argument is a string (tokenized) or an array of token ids; the result is a struct of the columns the Dataset
 * operation adds, its {@code error} field set for a bad row.
 */
final class SqlFunctions {
    private SqlFunctions() {}

    /** A SQL argument as {@link RowTokens#of} takes it: Spark hands an array to an untyped UDF as a Scala Seq. */
    static Object value(Object arg) {
        if (arg instanceof scala.collection.Seq<?> seq) {
            return scala.jdk.javaapi.CollectionConverters.asJava(seq);
        }
        return arg;
    }

    static final class Score implements UDF1<Object, Row> {
        private final ScoreOptions options;

        Score(ScoreOptions options) {
            this.options = options;
        }

        @Override
        public Row call(Object arg) {
            ExecutorModel em = ExecutorModels.get(options.model());
            long limit = Math.min(options.maxTokens(), em.model().config().contextLimit());
            ScoreResult r = Scoring.score(em.model(),
                    RowTokens.of(value(arg), em.tokenizer(), em.model().config().vocabSize(), limit));
            return RowFactory.create(r.meanLogLikelihood(), r.perplexity(), r.tokens(), r.error());
        }
    }

    static final class Generate implements UDF1<Object, Row> {
        private final GenerateOptions options;

        Generate(GenerateOptions options) {
            this.options = options.withBatchSize(1);
        }

        @Override
        public Row call(Object arg) {
            ExecutorModel em = ExecutorModels.get(options.model());
            long limit = Math.min(options.maxPromptTokens(), em.model().config().contextLimit());
            RowTokens in = RowTokens.of(value(arg), em.tokenizer(), em.model().config().vocabSize(), limit);
            GenerationResult r;
            try (var g = new BatchGeneration(em.model(), em.tokenizer(), em.stopTokens(), em.sampleVocab(), options.settings())) {
                r = g.run(List.of(in)).getFirst();
            }
            return RowFactory.create(r.text(), r.ids(),
                    r.finishReason(), r.promptTokens(), r.error());
        }
    }
}
