package io.spikert.spark.executor;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The executor model's pool size from Spark's configuration: spark.spikert.computeThreads, else spark.task.cpus, else 1. */
class ComputeThreadsTest {

    @Test
    void taskCpusGiveTheThreadsUnlessSpikertsOwnSettingIsThere() {
        assertEquals(1, ComputeThreads.fromConf(new SparkConf(false)));
        assertEquals(4, ComputeThreads.fromConf(new SparkConf(false).set("spark.executor.cores", "4").set("spark.task.cpus", "4")));
        assertEquals(1, ComputeThreads.fromConf(new SparkConf(false).set("spark.executor.cores", "8")),
                "eight one-core tasks: each computes on its own thread");
        assertEquals(2, ComputeThreads.fromConf(new SparkConf(false).set("spark.task.cpus", "4").set(ComputeThreads.CONF, "2")));
    }

    @Test
    void aThreadCountBelowOneIsRefusedNamingTheSetting() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ComputeThreads.fromConf(new SparkConf(false).set(ComputeThreads.CONF, "0")));
        assertTrue(e.getMessage().contains(ComputeThreads.CONF), e.getMessage());
    }
}
