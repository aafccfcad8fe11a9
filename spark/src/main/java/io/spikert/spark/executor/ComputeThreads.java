package io.spikert.spark.executor;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * How many compute threads an executor's model gets when the spec leaves it to Spark: {@value #CONF}
 * when set, else {@code spark.task.cpus} (default 1), the cores Spark reserves for each task, as XGBoost's
 * Spark integration does.
 *
 * <p>Why task cpus and not the executor's cores: the executor's tasks share the model and so its one compute
 * pool, whose parallel regions from different caller threads run one after another (ComputePool). With
 * {@code spark.task.cpus=1} (the default) the pool has one thread, every task computes inline on its own task thread,
 * and {@code spark.executor.cores} tasks keep that many cores busy with no locking between them. With one task per
 * executor ({@code spark.task.cpus = spark.executor.cores}) that one task's regions use every core. Either way no
 * more threads compute than the executor has cores.
 */
public final class ComputeThreads {
    /** Overrides the thread count for every SpikeRT model of the application. */
    public static final String CONF = "spark.spikert.computeThreads";

    private ComputeThreads() {}

    /** {@code requested} when positive, else from the running Spark's configuration (1 without one). */
    public static int resolve(int requested) {
        if (requested > 0) {
            return requested;
        }
        SparkEnv env = SparkEnv.get();
        return env == null ? 1 : fromConf(env.conf());
    }

    static int fromConf(SparkConf conf) {
        int threads = conf.contains(CONF) ? conf.getInt(CONF, 1) : conf.getInt("spark.task.cpus", 1);
        if (threads < 1) {
            throw new IllegalArgumentException(CONF + " must be at least 1, got " + threads);
        }
        return threads;
    }
}
