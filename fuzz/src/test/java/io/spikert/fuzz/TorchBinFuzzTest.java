package io.spikert.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * A PyTorch {@code .bin}: the zip (classic and ZIP64 seeds), its records and the pickle inside.
 * Raw bytes: the input is the whole file, written as {@code pytorch_model.bin} of a copy of
 * {@code seeds/micro-bin}; then the model is loaded ({@link Oracle} says what passes).
 */
class TorchBinFuzzTest {
    private static final FuzzFolder FOLDER = FuzzFolder.ofSeed("micro-bin", "TorchBinFuzzTest");

    @FuzzTest(maxDuration = "10m")
    void torchBin(byte[] input) {
        FOLDER.model("pytorch_model.bin", input, input);
    }
}
