package io.spikert.fuzz;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every seed loads and runs: a seed the loaders reject would start the fuzzer from an error path and explore
 * nothing behind it. Each committed seed input of a raw target is also checked to be its seed folder's file.
 */
class SeedsTest {
    @Test
    void seedFoldersLoadAndRun() throws Exception {
        for (String seed : List.of("micro-safetensors", "micro-bin")) {
            Path dir = FuzzFolder.seedPath(seed);
            assertEquals(Verdict.Kind.LOADED, Oracle.judge(dir, List.of(), () -> ModelProbe.run(dir)).kind(), seed);
        }
        for (String seed : List.of("micro-tokenizer", "micro-tokenizer-json")) {
            Path dir = FuzzFolder.seedPath(seed);
            Verdict v = Oracle.judge(dir, List.of(), () -> TokenizerProbe.run(dir));
            assertEquals(Verdict.Kind.LOADED, v.kind(), seed + ": " + v);
        }
    }

    @Test
    void packedSeedLoadsAsW8ASpike() throws Exception {
        Path packed = PackedSeed.build();
        Verdict v = Oracle.judge(packed, List.of(), () -> ModelProbe.run(packed));
        assertEquals(Verdict.Kind.LOADED, v.kind(), String.valueOf(v));
        try (var backend = new io.spikert.runtime.backend.CpuBackend(1);
             var model = io.spikert.model.SpikingBrainModel.load(packed, backend)) {
            assertEquals(io.spikert.model.ModelVariant.W8ASPIKE, model.variant());
            assertTrue(model.checkpoint().names().stream().anyMatch(n -> n.endsWith(".weight_outliers.index")),
                    "the packed seed holds outlier tensors for the fuzzer to corrupt");
        }
    }

    @Test
    void everyCommittedSeedInputLoads() throws Exception {
        Path inputs = resource("/io/spikert/fuzz");
        int checked = 0;
        try (Stream<Path> all = Files.walk(inputs)) {
            for (Path seed : all.filter(p -> p.getFileName().toString().startsWith("seed-")).toList()) {
                String target = seed.getParent().getParent().getFileName().toString().replace("Inputs", "");
                Verdict v = runRaw(target, Files.readAllBytes(seed));
                if (v != null) {
                    assertEquals(Verdict.Kind.LOADED, v.kind(), seed + ": " + v);
                    checked++;
                }
            }
        }
        assertTrue(checked >= 10, "seed inputs checked: " + checked);
    }

    /** The seed input run as its target does, without the target's log; null for a target without raw seeds. */
    private static Verdict runRaw(String target, byte[] input) throws IOException {
        record Raw(String seed, String file, boolean model) {
        }
        Raw r = switch (target) {
            case "SafetensorsBytesFuzzTest" -> new Raw("micro-safetensors", "model-00001-of-00002.safetensors", true);
            case "ShardIndexFuzzTest" -> new Raw("micro-safetensors", "model.safetensors.index.json", true);
            case "ConfigJsonBytesFuzzTest" -> new Raw("micro-safetensors", "config.json", true);
            case "TorchBinFuzzTest" -> new Raw("micro-bin", "pytorch_model.bin", true);
            case "TorchPickleFuzzTest" -> null;
            case "VocabJsonFuzzTest" -> new Raw("micro-tokenizer", "vocab.json", false);
            case "MergesTxtFuzzTest" -> new Raw("micro-tokenizer", "merges.txt", false);
            case "AddedTokensFuzzTest" -> new Raw("micro-tokenizer", "tokenizer_config.json", false);
            case "TokenizerJsonFuzzTest" -> new Raw("micro-tokenizer-json", "tokenizer.json", false);
            default -> throw new AssertionError("seed input of an unknown target " + target);
        };
        if (r == null) {
            Path dir = copy("micro-bin");
            Files.write(dir.resolve("pytorch_model.bin"), new TorchZip(FuzzFolder.seedPath("micro-bin").resolve("pytorch_model.bin")).withPickle(input));
            return Oracle.judge(dir, List.of(), () -> ModelProbe.run(dir));
        }
        Path dir = copy(r.seed);
        Files.write(dir.resolve(r.file), input);
        return Oracle.judge(dir, List.of(), r.model ? () -> ModelProbe.run(dir) : () -> TokenizerProbe.run(dir));
    }

    private static Path copy(String seed) throws IOException {
        Path dir = Files.createTempDirectory("spikert-seed-");
        try (Stream<Path> files = Files.list(FuzzFolder.seedPath(seed))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(SeedsTest.class.getResource(name).toURI());
    }
}
