package io.spikert.model.spikes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.kernels.spike.SpikeCoding;
import io.spikert.model.LoadOptions;
import io.spikert.model.SpikingBrainModel;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Statistics from the runtime's real counts on the tiny W8ASpike checkpoint against spikes-k3.json of
 * the independent numpy reference: per layer, per spiked input, per token. The counts must be
 * identical, so shares and means must match to double rounding.
 */
class SpikeStatisticsGoldenTest {
    static final Path DIR = Path.of("src/test/resources/tiny-w8aspike");
    static JsonNode golden;
    static final Map<Boolean, SpikeStatistics> STATS = new HashMap<>();
    static final Map<Boolean, SpikeRecorder> RECORDED = new HashMap<>();

    @BeforeAll
    static void run() throws IOException {
        golden = new ObjectMapper().readTree(DIR.resolve("golden/spikes-k3.json").toFile());
        int[] ids = new ObjectMapper().readValue(DIR.resolve("golden/ids.json").toFile(), int[].class);
        try (var backend = new CpuBackend(2)) {
            for (boolean integer : new boolean[] {true, false}) {
                var stats = new SpikeStatistics(SpikeCoding.BITWISE_BIDIRECTIONAL);
                var recorder = new SpikeRecorder(null, ids.length);
                var options = new LoadOptions(3f).withIntegerSpikes(integer).withSpikeObserver((name, counts, off, n, vth, kernel) -> {
                    stats.onSpikes(name, counts, off, n, vth, kernel);
                    recorder.onSpikes(name, counts, off, n, vth, kernel);
                });
                try (var model = SpikingBrainModel.load(DIR, backend, options)) {
                    model.newSession(16).prefill(ids, (i, logits, off) -> { });
                }
                STATS.put(integer, stats);
                RECORDED.put(integer, recorder);
            }
        }
    }

    /** The golden entry that holds the given projection's input, e.g. "attn.q_proj|k_proj|v_proj|gk_proj". */
    static JsonNode entry(int layer, String projection) {
        String shortName = projection.substring(projection.indexOf('.') + 1);
        String group = projection.substring(0, projection.indexOf('.'));
        var it = golden.get("layers").get(String.valueOf(layer)).properties().iterator();
        while (it.hasNext()) {
            var e = it.next();
            String key = e.getKey();
            if (key.startsWith(group + ".") && List.of(key.substring(group.length() + 1).split("\\|")).contains(shortName)) {
                return e.getValue();
            }
        }
        throw new AssertionError("no golden entry for layer " + layer + " " + projection);
    }

    @Test
    void perTokenCountsMatchTheReference() {
        for (boolean integer : new boolean[] {true, false}) {
            var recorded = RECORDED.get(integer).recorded();
            assertEquals(4 * 3, recorded.size(), "three distinct inputs in each of 4 layers");
            recorded.forEach((name, tokens) -> {
                JsonNode g = entry(name.layer(), name.projection());
                assertEquals(golden.get("tokens").asInt(), tokens.size());
                for (SpikeRecorder.TokenCounts tc : tokens) {
                    int[] c = tc.counts();
                    assertEquals(g.get("features").asInt(), c.length);
                    int silent = 0, sumAbs = 0, max = 0;
                    for (int s : c) {
                        silent += s == 0 ? 1 : 0;
                        sumAbs += Math.abs(s);
                        max = Math.max(max, Math.abs(s));
                    }
                    int t = tc.token();
                    String where = (integer ? "integer" : "fake-quant") + " " + name.full() + " token " + t;
                    assertEquals(g.get("silent_share").get(t).asDouble(), (double) silent / c.length, 1e-12, where);
                    assertEquals(g.get("mean_abs").get(t).asDouble(), (double) sumAbs / c.length, 1e-12, where);
                    assertEquals(g.get("max_abs").get(t).asInt(), max, where);
                    assertEquals(g.get("vth").get(t).asDouble(), tc.vth(), 1e-6 * g.get("vth").get(t).asDouble(), where);
                }
            });
        }
    }

    /** The collector's aggregates are the reference's per-token figures summed; inputs shared by a group agree. */
    @Test
    void collectorAggregatesMatchTheReference() {
        for (boolean integer : new boolean[] {true, false}) {
            List<ProjectionStats> rows = STATS.get(integer).projections();
            // GLA layers 0, 2: q k v gk o gate up; SWA layers 1, 3: q k v o gate up.
            assertEquals(7 + 6 + 7 + 6, rows.size());
            long allSilent = 0, allSumAbs = 0, allEntries = 0;
            for (ProjectionStats r : rows) {
                JsonNode g = entry(r.layer(), r.projection());
                int n = g.get("features").asInt();
                int tokens = golden.get("tokens").asInt();
                long silent = 0, sumAbs = 0;
                int max = 0;
                for (int t = 0; t < tokens; t++) {
                    silent += Math.round(g.get("silent_share").get(t).asDouble() * n);
                    sumAbs += Math.round(g.get("mean_abs").get(t).asDouble() * n);
                    max = Math.max(max, g.get("max_abs").get(t).asInt());
                }
                assertEquals(n, r.channels(), r.name());
                assertEquals(tokens, r.tokens(), r.name());
                assertEquals(silent, r.silent(), r.name());
                assertEquals(sumAbs, r.sumAbs(), r.name());
                assertEquals(max, r.maxAbs(), r.name());
                assertEquals((double) silent / (n * tokens), r.silentShare(), 1e-15, r.name());
                allSilent += silent;
                allSumAbs += sumAbs;
                allEntries += (long) n * tokens;
            }
            ProjectionStats total = STATS.get(integer).total();
            assertEquals(allSilent, total.silent());
            assertEquals(allSumAbs, total.sumAbs());
            assertEquals(allEntries, total.entries());
            assertEquals(16, total.maxAbs(), "README: max |s| in this run is 16");
            assertTrue(total.silentShare() > 0.05 && total.silentShare() < 0.3, "silent share " + total.silentShare());
        }
    }
}
