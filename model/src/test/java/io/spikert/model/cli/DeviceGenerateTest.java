package io.spikert.model.cli;

import io.spikert.ffm.fake.FakeGpu;
import io.spikert.runtime.gpu.FakeKernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static io.spikert.model.cli.CliTest.TINY;
import static io.spikert.model.cli.CliTest.goldenIds;
import static io.spikert.model.cli.CliTest.joined;
import static io.spikert.model.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

/** {@code spikert generate --device cuda|maca} on the fake GPU gives the CPU's greedy tokens. */
class DeviceGenerateTest {

    @BeforeAll
    static void installFakeGpu() {
        FakeGpu.shared().install();
    }

    @BeforeEach
    void reset() {
        FakeGpu.shared().reset();
        FakeKernels.register(FakeGpu.shared());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cuda", "maca"})
    void greedyTokensOnTheDeviceEqualTheCpus(String device) throws IOException {
        String ids = joined(goldenIds());
        for (String dir : new String[] {"f32", "bf16-safetensors"}) {
            String model = TINY.resolve(dir).toString();
            CliTest.Result cpu = run("generate", "--model", model, "--ids", ids, "--max-tokens", "8", "--format", "ids");
            CliTest.Result gpu = run("generate", "--model", model, "--ids", ids, "--max-tokens", "8", "--format", "ids",
                    "--device", device);
            assertEquals(0, gpu.status(), gpu.err());
            assertEquals(cpu.out(), gpu.out(), dir + " on " + device);
            assertTrue(gpu.err().contains("| " + device + " ("), gpu.err());
            assertFalse(gpu.err().contains("note:"), gpu.err());
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cuda", "maca"})
    void w8aspikeRunsResidentAndGivesTheCpusGreedyTokens(String device) throws IOException {
        String model = "src/test/resources/tiny-w8aspike";
        String ids = joined(goldenIds());
        CliTest.Result cpu = run("generate", "--model", model, "--ids", ids, "--max-tokens", "8", "--format", "ids");
        CliTest.Result gpu = run("generate", "--model", model, "--ids", ids, "--max-tokens", "8", "--format", "ids",
                "--device", device);
        assertEquals(0, gpu.status(), gpu.err());
        assertEquals(cpu.out(), gpu.out(), "W8ASpike on " + device);
        assertFalse(gpu.err().contains("note:"), gpu.err());
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    /** The observer wraps the device's operators: same tokens as without it, and every spiking product reported. */
    @Test
    void w8aspikeWithTheVerboseKernelReportRunsOnTheDeviceAndReportsItsProducts() {
        String model = "src/test/resources/tiny-w8aspike";
        CliTest.Result plain = run("generate", "--model", model, "--ids", "1,2,3", "--max-tokens", "2", "--format", "ids",
                "--device", "cuda");
        CliTest.Result r = run("generate", "--model", model, "--ids", "1,2,3", "--max-tokens", "2",
                "--format", "ids", "--device", "cuda", "--verbose");
        assertEquals(0, r.status(), r.err());
        assertEquals(plain.out(), r.out(), "observing changes nothing");
        assertTrue(r.err().contains("spike kernels per projection"), r.err());
        assertTrue(r.err().contains("model.layers.0.attn.q_proj"), r.err());
        assertFalse(r.err().contains("note:"), r.err());
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }
}
