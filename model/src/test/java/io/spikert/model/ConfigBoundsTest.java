package io.spikert.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/**
 * config.json values are range-checked against what the architecture allows before they size anything:
 * each hostile value seen by fuzzing is a {@link CheckpointException} naming config.json and the key, and a
 * huge but legal sliding window costs memory by the tokens run, not by the number written.
 */
class ConfigBoundsTest {
    @TempDir
    static Path root;
    static Path good;
    static CpuBackend backend;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void setUp() throws IOException {
        good = TestModels.write(root.resolve("good"), TestModels.SMALL, DType.BF16);
        backend = new CpuBackend(1);
    }

    @AfterAll
    static void tearDown() {
        backend.close();
    }

    /** The good checkpoint with its config.json edited. */
    private static Path withConfig(String name, Consumer<ObjectNode> edit) throws IOException {
        Path dir = root.resolve(name);
        Files.createDirectories(dir);
        Files.copy(good.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        ObjectNode config = (ObjectNode) JSON.readTree(good.resolve("config.json").toFile());
        edit.accept(config);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        return dir;
    }

    /** Loading fails with a CheckpointException naming the folder's config.json and {@code key}. */
    private static void refused(String name, String key, Consumer<ObjectNode> edit) throws IOException {
        Path dir = withConfig(name, edit);
        var e = assertThrows(CheckpointException.class, () -> SpikingBrainModel.load(dir, backend).close(), name);
        assertTrue(e.getMessage().contains(dir.resolve("config.json").toString()) && e.getMessage().contains(key),
                name + ": " + e.getMessage());
    }

    @Test
    void layerCountIsBoundedAndMatchedToTheCheckpointBeforeAnythingIsSized() throws IOException {
        refused("layers-2^28", "num_hidden_layers", c -> c.put("num_hidden_layers", 1 << 28));
        refused("layers-max", "num_hidden_layers", c -> c.put("num_hidden_layers", Integer.MAX_VALUE));
        refused("layers-5", "num_hidden_layers", c -> c.put("num_hidden_layers", 5));
        refused("layers-3", "num_hidden_layers", c -> c.put("num_hidden_layers", 3).putArray("attn_layers").add(1));
    }

    @Test
    void slidingWindowIsBoundedSoRingSizesCannotOverflow() throws IOException {
        // (W + 1) overflows; kv dim 32 x 2^27 wraps to 0 floats; both crashed in KvRing/Workspace or SWA
        refused("window-max", "sliding_window", c -> c.put("sliding_window", Integer.MAX_VALUE));
        refused("window-wrap", "sliding_window", c -> c.put("sliding_window", (1 << 27) - 1));
        refused("window-zero", "sliding_window", c -> c.put("sliding_window", 0));
    }

    @Test
    void hugeLegalWindowCostsMemoryByTokensRunNotByTheNumberWritten() throws IOException {
        Path dir = withConfig("window-2^20", c -> c.put("sliding_window", ModelConfig.MAX_SLIDING_WINDOW));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (var model = SpikingBrainModel.load(dir, backend); var reference = SpikingBrainModel.load(good, backend)) {
            int[] ids = TestModels.ids(30, 300, 4);
            for (int warm = 0; warm < 3; warm++) { // interpreted Vector API code allocates as it runs: compile it first
                model.newSession(8).prefill(ids);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            float[] logits = model.newSession(8).prefill(ids).clone();
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // the rings of 2^20 + 1 slots would be 2 layers x 2 x 128 MiB; 30 tokens need a few KB of ring
            assertTrue(allocated < 64L << 20, "a 30-token prefill allocated " + allocated + " bytes");
            // within the first W + 1 = 6 tokens of the good model the two windows see the same keys
            float[] a = model.newSession(8).prefill(java.util.Arrays.copyOf(ids, 6));
            float[] b = reference.newSession(8).prefill(java.util.Arrays.copyOf(ids, 6));
            // (not bit for bit: interpreted and compiled Vector API reductions may round differently)
            assertTrue(TestModels.relativeError(a, 0, b, 0, 300) < 1e-5, "relative error " + TestModels.relativeError(a, 0, b, 0, 300));
            for (float v : logits) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void ringGrowthKeepsTheLogitsOfAFullSizeRing() throws IOException {
        // window 100 > the 64 initial slots: the ring grows mid-prompt and must equal a one-token-at-a-time run
        Path dir = withConfig("window-100", c -> c.put("sliding_window", 100));
        try (var model = SpikingBrainModel.load(dir, backend)) {
            int[] ids = TestModels.ids(150, 300, 5);
            float[] batched = model.newSession(7).prefill(ids).clone();
            var s = model.newSession(1);
            float[] stepped = null;
            for (int id : ids) {
                stepped = s.decode(id);
            }
            double err = TestModels.relativeError(stepped, 0, batched, 0, 300);
            assertTrue(err < 1e-4, "relative logit error " + err);
        }
    }

    @Test
    void numericValuesOutsideWhatTheArchitectureAllowsAreRefused() throws IOException {
        refused("theta-subnormal", "rope_theta", c -> c.put("rope_theta", 4.9e-324));
        refused("theta-one", "rope_theta", c -> c.put("rope_theta", 1.0));
        refused("eps-huge", "norm_eps", c -> c.put("norm_eps", 1e300));
        refused("eps-zero", "norm_eps", c -> c.put("norm_eps", 0.0));
        refused("eps-tiny", "norm_eps", c -> c.put("norm_eps", 1e-50)); // rounds to 0 as a float
        refused("eos-negative", "eos_token_id", c -> c.put("eos_token_id", -5));
        refused("eos-beyond", "eos_token_id", c -> c.put("eos_token_id", 300));
        refused("eos-list", "eos_token_id", c -> c.putArray("eos_token_id").add(3).add(-1));
        refused("bos-beyond", "bos_token_id", c -> c.put("bos_token_id", 1 << 30));
        refused("vocab-huge", "vocab_size", c -> c.put("vocab_size", Integer.MAX_VALUE));
        refused("hidden-huge", "hidden_size", c -> c.put("hidden_size", 1 << 30));
        refused("inter-huge", "intermediate_size", c -> c.put("intermediate_size", 1 << 30));
        refused("head-dim", "head_dim", c -> c.put("head_dim", 32));
        refused("tie", "tie_word_embeddings", c -> c.put("tie_word_embeddings", "yes"));
    }

    @Test
    void aConfigThatIsNoRegularFileIsRefusedWithoutReadingIt() throws Exception {
        Path dir = root.resolve("config-dir");
        Files.createDirectories(dir.resolve("config.json"));
        var e = assertThrows(CheckpointException.class, () -> ModelConfig.load(dir));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("not a regular file"), e.getMessage());
        // a FIFO with no writer blocked the reader for ever
        Path fifoDir = root.resolve("config-fifo");
        Files.createDirectories(fifoDir);
        var mkfifo = new ProcessBuilder("mkfifo", fifoDir.resolve("config.json").toString()).start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            var f = assertThrows(CheckpointException.class, () -> ModelConfig.load(fifoDir));
            assertTrue(f.getMessage().contains("not a regular file"), f.getMessage());
        });
    }

    @Test
    void aVocabularyThatContradictsTheEmbeddingIsRefusedAtLoad() throws IOException {
        Path dir = withConfig("vocab-299", c -> c.put("vocab_size", 299));
        var e = assertThrows(CheckpointException.class, () -> SpikingBrainModel.load(dir, backend).close());
        assertTrue(e.getMessage().contains("model.embeddings.weight") && e.getMessage().contains("[300, 64]"), e.getMessage());
    }

    @Test
    void boundsLeaveThePublishedShapeAlone() throws IOException {
        ModelConfig c = ModelConfig.parse(SyntheticCheckpoint.config(SyntheticCheckpoint.Dims.SEVEN_B), "7b");
        assertEquals(List.of(151643), c.eosTokenIds());
        assertEquals(4096, c.slidingWindow());
        // the largest head dimension and window together still fit one ring array
        ObjectNode n = SyntheticCheckpoint.config(SyntheticCheckpoint.Dims.SEVEN_B);
        n.put("sliding_window", ModelConfig.MAX_SLIDING_WINDOW);
        assertEquals(ModelConfig.MAX_SLIDING_WINDOW, ModelConfig.parse(n, "7b").slidingWindow());
        n.put("hidden_size", 1 << 16).put("num_attention_heads", 64).put("num_key_value_heads", 64);
        var e = assertThrows(CheckpointException.class, () -> ModelConfig.parse(n, "big"));
        assertTrue(e.getMessage().contains("sliding_window"), e.getMessage());
    }
}
