package io.spikert.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the file a fuzz input stands for: for a structure-aware target, the mutated file its choices describe
 * (what the target wrote into its working folder); for a raw target, the input itself. For reading findings:
 *
 * <pre>scripts/fuzz --show ConfigJson fuzz/target/fuzz-findings/ConfigJsonFuzzTest/non-finite_logits.input OUT</pre>
 */
public final class ShowInput {
    private ShowInput() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: ShowInput TARGET INPUT OUT");
            System.exit(2);
        }
        String target = args[0].replaceFirst("FuzzTest$", "");
        byte[] input = Files.readAllBytes(Path.of(args[1]));
        Files.write(Path.of(args[2]), render(target, input));
    }

    static byte[] render(String target, byte[] input) throws IOException {
        return switch (target) {
            case "ConfigJson" -> new ConfigMutator(Files.readAllBytes(FuzzFolder.seedPath("micro-safetensors").resolve("config.json")))
                    .mutate(new Decisions(input));
            case "SafetensorsHeader" -> new SafetensorsMutator(Files.readAllBytes(FuzzFolder.seedPath("micro-safetensors")
                    .resolve(SafetensorsHeaderFuzzTest.FILE)), name -> name.contains("norm")).mutate(new Decisions(input));
            case "PackedW8" -> {
                Path packed = PackedSeed.build();
                yield PackedW8FuzzTest.mutator(packed).mutate(new Decisions(input));
            }
            case "TokenizerIds" -> {
                // the three files, one after the other, each preceded by its name (absent files are left out)
                Path seed = FuzzFolder.seedPath("micro-tokenizer");
                var files = new TokenizerIdsMutator(Files.readAllBytes(seed.resolve(TokenizerIdsMutator.VOCAB)),
                        Files.readAllBytes(seed.resolve(TokenizerIdsMutator.CONFIG))).mutate(new Decisions(input));
                var out = new java.io.ByteArrayOutputStream();
                for (var f : files.entrySet()) {
                    if (f.getValue() != null) {
                        out.write(("==> " + f.getKey() + " <==\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        out.write(f.getValue());
                        out.write('\n');
                    }
                }
                yield out.toByteArray();
            }
            case "TorchPickle" -> new TorchZip(FuzzFolder.seedPath("micro-bin").resolve("pytorch_model.bin")).withPickle(input);
            default -> input;
        };
    }
}
