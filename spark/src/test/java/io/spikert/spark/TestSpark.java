package io.spikert.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * The tests' Spark: one local session for the whole test JVM, two task threads and up to four attempts per task
 * ({@code local[2,4]}), so a task that fails once is retried as on a cluster. Executors run in this JVM, so the
 * models they load ({@link io.spikert.spark.executor.ExecutorModels}) are this JVM's too.
 */
final class TestSpark {
    private static SparkSession session;

    private TestSpark() {}

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2,4]")
                    .appName("spikert-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.sql.adaptive.enabled", "false")
                    .getOrCreate();
            session.sparkContext().setLogLevel("ERROR");
        }
        return session;
    }

    /** {@code rows} in {@code partitions} partitions, split in order (a parallelized list is cut into contiguous slices). */
    static Dataset<Row> frame(List<Row> rows, StructType schema, int partitions) {
        var jsc = JavaSparkContext.fromSparkContext(session().sparkContext());
        return session().createDataFrame(jsc.parallelize(rows, partitions), schema);
    }
}
