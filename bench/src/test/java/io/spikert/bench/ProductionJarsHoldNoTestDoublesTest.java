package io.spikert.bench;

import io.spikert.bench.harness.BenchOptions;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.kernels.MatVec;
import io.spikert.kernels.MatVecScalar;
import io.spikert.model.SpikingBrainModel;
import io.spikert.runtime.DType;
import io.spikert.runtime.gpu.FakeKernels;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Test doubles stay out of what ships (issue 10): the fake GPU ({@code io.spikert.ffm.fake}), the fake GPU's
 * kernels and their twins ({@code FakeKernels}, {@code *Twin}) and the kernels' scalar twins ({@code *Scalar})
 * live in the test jars of their modules. This test reads the main artifact of every module on bench's
 * classpath (a jar in a full build, target/classes in a partial one), found through one production class
 * of each, and lists the entries that are test doubles. Bench runs and ships with the same artifacts.
 */
class ProductionJarsHoldNoTestDoublesTest {

    @Test
    void noModuleShipsATestDouble() throws Exception {
        List<String> found = new ArrayList<>();
        for (Class<?> production : List.of(MatVec.class, GpuDriver.class, DType.class, SpikingBrainModel.class,
                BenchOptions.class)) {
            Path artifact = artifactOf(production);
            for (String entry : entries(artifact)) {
                if (isTestDouble(entry)) {
                    found.add(artifact.getFileName() + "!" + entry);
                }
            }
        }
        assertEquals(List.of(), found, "test doubles in production artifacts");
    }

    /** The check recognises the doubles where they do live, so an empty list above means something. */
    @Test
    void theDoublesComeFromTheTestArtifacts() throws Exception {
        for (Class<?>[] pair : new Class<?>[][] {{FakeGpu.class, GpuDriver.class}, {MatVecScalar.class, MatVec.class},
                {FakeKernels.class, DType.class}}) {
            Path testArtifact = artifactOf(pair[0]);
            assertNotEquals(artifactOf(pair[1]), testArtifact, pair[0].getName() + " comes from the main artifact");
            assertFalse(entries(testArtifact).stream().noneMatch(ProductionJarsHoldNoTestDoublesTest::isTestDouble),
                    testArtifact + " should hold " + pair[0].getName());
        }
    }

    private static boolean isTestDouble(String entry) {
        if (!entry.endsWith(".class")) {
            return false;
        }
        String simple = entry.substring(entry.lastIndexOf('/') + 1, entry.length() - ".class".length());
        String outer = simple.contains("$") ? simple.substring(0, simple.indexOf('$')) : simple;
        return entry.startsWith("io/spikert/ffm/fake/") || outer.endsWith("Scalar") || outer.endsWith("Twin")
                || outer.equals("FakeKernels");
    }

    private static Path artifactOf(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Class and resource names, '/'-separated, of a jar or a class folder. */
    private static List<String> entries(Path artifact) throws IOException {
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(artifact)) {
            try (Stream<Path> files = Files.walk(artifact)) {
                files.filter(Files::isRegularFile)
                        .forEach(f -> names.add(artifact.relativize(f).toString().replace('\\', '/')));
            }
        } else {
            try (JarFile jar = new JarFile(artifact.toFile())) {
                jar.stream().forEach(e -> names.add(e.getName()));
            }
        }
        return names;
    }
}
