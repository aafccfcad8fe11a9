package io.spikert.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ModelConfigTest {
    static final Path PUBLISHED = PublishedFiles.dir();

    @Test
    void readsThePublishedSevenBConfig() throws IOException {
        ModelConfig c = ModelConfig.load(PUBLISHED);
        assertEquals(152064, c.vocabSize());
        assertEquals(3584, c.hiddenSize());
        assertEquals(28, c.numLayers());
        assertEquals(128, c.headDim());
        assertEquals(7, c.groupSize());
        assertEquals(512, c.kvDim());
        assertEquals(4096, c.slidingWindow());
        assertEquals(1e6, c.ropeTheta());
        assertEquals(1e-6f, c.normEps());
        assertEquals(14, c.swaLayerCount());
        assertFalse(c.isSwaLayer(0), "layer 0 is GLA in the 7B");
        assertTrue(c.isSwaLayer(1));
        assertTrue(c.isSwaLayer(27));
        assertTrue(c.eosTokenIds().contains(151643));
    }

    @Test
    void defaultsAttnLayersToOddIndices() throws IOException {
        ObjectNode n = published();
        n.remove("attn_layers");
        ModelConfig c = ModelConfig.parse(n, "test");
        assertEquals(14, c.swaLayerCount());
        assertTrue(c.isSwaLayer(3));
        assertFalse(c.isSwaLayer(4));
    }

    @Test
    void rejectsBadValuesNamingTheKey(@TempDir Path dir) throws IOException {
        assertError(n -> n.put("model_type", "llama"), "model_type");
        assertError(n -> n.remove("hidden_size"), "hidden_size");
        assertError(n -> n.put("num_attention_heads", 5), "num_attention_heads");
        assertError(n -> n.put("num_key_value_heads", 3), "num_key_value_heads");
        assertError(n -> n.put("vocab_size", -1), "vocab_size");
        assertError(n -> n.putArray("attn_layers").add(28), "attn_layers");
        assertError(n -> n.put("hidden_act", "gelu"), "hidden_act");
        Files.writeString(dir.resolve("config.json"), "{not json");
        var e = assertThrows(IOException.class, () -> ModelConfig.load(dir));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        var missing = assertThrows(IOException.class, () -> ModelConfig.load(dir.resolve("nowhere")));
        assertTrue(missing.getMessage().contains("config.json"), missing.getMessage());
    }

    private static ObjectNode published() throws IOException {
        return (ObjectNode) new ObjectMapper().readTree(PUBLISHED.resolve("config.json").toFile());
    }

    private static void assertError(java.util.function.Consumer<ObjectNode> edit, String key) throws IOException {
        ObjectNode n = published();
        edit.accept(n);
        var e = assertThrows(IOException.class, () -> ModelConfig.parse(n, "cfg.json"));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains("cfg.json"), e.getMessage());
    }
}
