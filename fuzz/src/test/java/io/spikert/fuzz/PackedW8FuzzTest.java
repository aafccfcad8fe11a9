package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spikert.model.convert.Converter;
import io.spikert.model.checkpoint.w8.PackedFormat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The packed W8ASpike form ({@link PackedFormat}), structure-aware: {@link SafetensorsMutator} on the packed file
 * of {@link PackedSeed}, half of its tensor choices going to the packed form's own tensors (INT8 codes, outlier
 * indices and residuals, scales), then the model is loaded (integer spiking path) and run.
 */
class PackedW8FuzzTest {
    private static final FuzzFolder FOLDER;
    private static final SafetensorsMutator MUTATOR;

    static {
        try {
            Path packed = PackedSeed.build();
            FOLDER = FuzzFolder.of(packed, "PackedW8FuzzTest");
            MUTATOR = mutator(packed);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Mutations of the packed file of {@code packed}, half of them aimed at the packed form's own tensors. */
    static SafetensorsMutator mutator(Path packed) throws IOException {
        return new SafetensorsMutator(Files.readAllBytes(packed.resolve(Converter.OUTPUT_FILE)),
                name -> name.contains(PackedFormat.CODES) || name.contains(".weight_outliers.") || name.contains("scales"));
    }

    @FuzzTest(maxDuration = "10m")
    void packedW8(byte[] input) throws IOException {
        FOLDER.model(Converter.OUTPUT_FILE, MUTATOR.mutate(new Decisions(input)), input);
    }
}
