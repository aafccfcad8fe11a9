package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;

/**
 * The pickle of a PyTorch {@code .bin}: the input is the {@code data.pkl} record, zipped with the other records of
 * {@code seeds/micro-bin}'s {@code pytorch_model.bin} ({@link TorchZip}), so every mutation reaches the pickle
 * reader (opcodes, memo, persistent ids, rebuild calls) instead of breaking the zip around it.
 */
class TorchPickleFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-bin", "TorchPickleFuzzTest");
    private static final TorchZip ZIP;

    static {
        try {
            ZIP = new TorchZip(FOLDER.dir().resolve("pytorch_model.bin"));
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void torchPickle(byte[] input) throws IOException {
        FOLDER.model("pytorch_model.bin", ZIP.withPickle(input), input);
    }
}
