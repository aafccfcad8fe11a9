package io.spikert.spark;

import io.spikert.spark.executor.ComputeThreads;
import io.spikert.spark.executor.ExecutorModel;
import io.spikert.spark.executor.ExecutorModels;
import io.spikert.spark.executor.ModelPathException;
import io.spikert.spark.executor.ModelSpec;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** The per-JVM model holder: one model per spec shared by all tasks, loaded once under concurrent first use; bad paths named. */
class ExecutorModelsTest {

    @Test
    void concurrentFirstUsesLoadOneModel() throws Exception {
        // a spec of its own (k = 2.5), so that no other test has loaded it yet
        ModelSpec spec = ModelSpec.of(TestModels.base().toString()).withComputeThreads(1).withSpikeK(2.5f);
        int before = ExecutorModels.loadedCount();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<ExecutorModel>> got = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                got.add(pool.submit((Callable<ExecutorModel>) () -> ExecutorModels.get(spec)));
            }
            Set<ExecutorModel> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (Future<ExecutorModel> f : got) {
                distinct.add(f.get());
            }
            assertEquals(1, distinct.size(), "every caller got the same model");
            assertEquals(before + 1, ExecutorModels.loadedCount(), "one load for the new spec");
            assertEquals(1, distinct.iterator().next().computeThreads());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void theTasksOfOneJobShareTheExecutorsModel() throws Exception {
        String path = TestModels.base().toString();
        ModelSpec spec = ModelSpec.of(path).withComputeThreads(1);
        var jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        List<Integer> identities = jsc.parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8)
                .map(x -> System.identityHashCode(ExecutorModels.get(spec).model()))
                .collect();
        assertEquals(1, new HashSet<>(identities).size(), "8 tasks on 2 task threads saw one model: " + identities);
        assertEquals(System.identityHashCode(ExecutorModels.get(spec).model()), identities.getFirst(),
                "local mode: the executor is this JVM");
    }

    @Test
    void computeThreadsComeFromTaskCpusUnlessSet() {
        var jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        // on an executor thread of local[2,4]: spark.task.cpus is 1 by default
        assertEquals(List.of(1), jsc.parallelize(List.of(0), 1).map(x -> ComputeThreads.resolve(0)).collect());
        assertEquals(3, ComputeThreads.resolve(3));
    }

    @Test
    void aMissingOrUnreadableModelFolderIsNamed() throws Exception {
        Path missing = Path.of("target", "no-model-here").toAbsolutePath();
        var e = assertThrows(ModelPathException.class, () -> ExecutorModels.get(ModelSpec.of(missing.toString()).withComputeThreads(1)));
        assertTrue(e.getMessage().contains(missing + " does not exist on"), e.getMessage());

        Path empty = Files.createDirectories(Path.of("target", "model-without-config")).toAbsolutePath();
        var noConfig = assertThrows(ModelPathException.class, () -> ExecutorModels.get(ModelSpec.of(empty.toString()).withComputeThreads(1)));
        assertTrue(noConfig.getMessage().contains(empty + " on ") && noConfig.getMessage().contains("no readable config.json"),
                noConfig.getMessage());

        Path file = TestModels.base().resolve("config.json");
        var notFolder = assertThrows(ModelPathException.class, () -> ExecutorModels.get(ModelSpec.of(file.toString()).withComputeThreads(1)));
        assertTrue(notFolder.getMessage().contains("is not a folder"), notFolder.getMessage());
    }
}
