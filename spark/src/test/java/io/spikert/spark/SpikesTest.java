package io.spikert.spark;

import io.spikert.kernels.spike.SpikeCoding;
import io.spikert.model.layers.SpikeObserver;
import io.spikert.model.spikes.ProjectionStats;
import io.spikert.model.spikes.SpikeStatistics;

import org.apache.spark.SparkException;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link SpikeRT#spikes}: each row's statistics equal those a {@link SpikeStatistics} collects over the library's lone
 * prefill of the row (two task threads sharing one observing model keep their rows apart); a base model is refused.
 */
class SpikesTest {

    @Test
    void eachRowsStatisticsEqualTheLibrarysForThatRowAlone() throws Exception {
        var dir = TestModels.w8aspike();
        List<String> texts = Texts.many(6);
        SpikeOptions o = SpikeOptions.of(dir.toString()).withModel(
                io.spikert.spark.executor.ModelSpec.of(dir.toString()).withComputeThreads(1)).withCoding(SpikeCoding.TERNARY);
        Map<Integer, Row> out = GenerateTest.byId(SpikeRT.spikes(TestSpark.frame(ScoreTest.rows(texts), ScoreTest.TEXTS, 2), "text", o)
                .collectAsList());
        assertEquals(texts.size(), out.size());
        SpikeObserver[] current = {SpikeObserver.NONE};
        try (var lib = new LibraryModel(dir, (name, counts, off, n, vth, kernel) -> current[0].onSpikes(name, counts, off, n, vth, kernel))) {
            for (int i = 0; i < texts.size(); i++) {
                int[] ids = lib.tokenizer.encode(texts.get(i));
                var stats = new SpikeStatistics(SpikeCoding.TERNARY);
                current[0] = stats;
                lib.model.newSession().prefill(ids, (k, logits, off) -> { });
                ProjectionStats t = stats.total();
                Row r = out.get(i);
                assertNull(r.getAs("error"), "row " + i);
                assertTrue(t.spikes() > 0, "the row fired");
                assertEquals(ids.length, (int) r.getAs("tokens"), "row " + i);
                assertEquals(t.spikes(), (long) r.getAs("spikes"), "row " + i);
                assertEquals(t.firingRate(), (double) r.getAs("firing_rate"), 0.0, "row " + i);
                assertEquals(t.silentShare(), (double) r.getAs("silent_share"), 0.0, "row " + i);
                assertEquals(t.meanAbsCount(), (double) r.getAs("mean_abs_count"), 0.0, "row " + i);
                assertEquals(t.sparsity3(), (double) r.getAs("sparsity_t3"), 0.0, "row " + i);
            }
        }
    }

    @Test
    void aBaseModelIsRefusedNamingIt() throws Exception {
        var dir = TestModels.base();
        var df = TestSpark.frame(ScoreTest.rows(List.of("text")), ScoreTest.TEXTS, 1);
        SparkException e = assertThrows(SparkException.class, () -> SpikeRT.spikes(df, "text", SpikeOptions.of(dir.toString())).collectAsList());
        assertTrue(e.getMessage().contains("the model at " + dir + " is a BASE model without spiking"), e.getMessage());
    }
}
