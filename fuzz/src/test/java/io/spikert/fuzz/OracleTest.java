package io.spikert.fuzz;

import io.spikert.model.checkpoint.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The oracle's rules, one case each, and one real rejection through the loader. */
class OracleTest {
    private static final Path DIR = Path.of("/tmp/spikert-fuzz-x/model");
    private static final List<String> FILES = List.of("config.json", "model.safetensors");

    private static Verdict classify(Throwable t) {
        return Oracle.classify(t, DIR, FILES);
    }

    @Test
    void checkpointErrorNamingAFileIsAClean() {
        assertEquals(Verdict.Kind.REJECTED, classify(new CheckpointException(DIR.resolve("model.safetensors") + ": header too long")).kind());
        assertEquals(Verdict.Kind.REJECTED, classify(new IOException("malformed config.json: not an object")).kind());
        // a loader translating its own validation error is fine
        assertEquals(Verdict.Kind.REJECTED, classify(new IOException("malformed " + DIR + "/vocab.json: bad id",
                new IllegalArgumentException("bad id"))).kind());
    }

    @Test
    void aRejectionThatNamesNoFileIsAFinding() {
        Verdict v = classify(new CheckpointException("header too long"));
        assertTrue(v.isFinding());
        assertTrue(v.label().startsWith("unnamed file: CheckpointException"), v.label());
    }

    @Test
    void anIoExceptionSubclassIsAFinding() {
        Verdict v = classify(new MalformedInputException(1));
        assertTrue(v.isFinding());
        assertTrue(v.label().startsWith("MalformedInputException at "), v.label());
    }

    @Test
    void aWrappedRuntimeFailureIsAFinding() {
        Verdict v = classify(new CheckpointException(DIR + "/model.safetensors.index.json: cannot open checkpoint",
                new InvalidPathException("a\0b", "Nul character not allowed")));
        assertTrue(v.isFinding());
        assertTrue(v.label().startsWith("wrapped: InvalidPathException"), v.label());
        v = classify(new CheckpointException(DIR + ": x", new ArrayIndexOutOfBoundsException(3)));
        assertTrue(v.label().startsWith("wrapped: ArrayIndexOutOfBoundsException"), v.label());
    }

    @Test
    void escapedExceptionsAndErrorsAreFindingsLabelledByTypeAndTopFrame() {
        RuntimeException e = new NegativeArraySizeException("-64");
        e.setStackTrace(new StackTraceElement[] {new StackTraceElement("io.spikert.model.layers.KvRing", "<init>", "KvRing.java", 40)});
        assertEquals("NegativeArraySizeException at KvRing.<init>", classify(e).label());
        assertEquals(Verdict.Kind.FINDING, classify(new OutOfMemoryError("Java heap space")).kind());
        assertTrue(classify(new OutOfMemoryError("Java heap space")).label().startsWith("OutOfMemoryError (Java heap space) at "));
        assertEquals(Verdict.Kind.FINDING, classify(new IllegalArgumentException("x")).kind());
    }

    @Test
    void nonFiniteLogitsAreAFinding() {
        Verdict v = classify(new NonFiniteLogits("prefill", 3, Float.NaN));
        assertEquals("non-finite logits", v.label());
        assertTrue(v.isFinding());
    }

    @Test
    void theModelsNumericalFaultIsACleanStopCountedApart() {
        Verdict v = classify(new io.spikert.runtime.NumericalFaultException("the logits after the token at position 2 hold NaN"));
        assertEquals(Verdict.Kind.REJECTED, v.kind());
        assertEquals(Oracle.NUMERICAL_FAULT, v.label());
        assertNotEquals(Verdict.rejected(null).label(), v.label());
    }

    @Test
    void anInputThatAllocatesOver256MiBIsAFindingEvenWhenItLoads() {
        FuzzFolder folder = FuzzFolder.ofSeed("micro-tokenizer", "OracleTest");
        assertEquals(Verdict.Kind.LOADED, folder.judge(new byte[0], () -> { }).kind());
        FindingError e = assertThrows(FindingError.class, () -> folder.judge(new byte[3], () -> {
            byte[][] held = new byte[300][];
            for (int i = 0; i < held.length; i++) {
                held[i] = new byte[1 << 20];
            }
        }));
        assertTrue(e.getMessage().startsWith("oversized allocation (over 256 MiB), then loaded"), e.getMessage());
    }

    @Test
    void aTruncatedShardIsRejectedCleanlyByTheLoader(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json")) {
            Files.copy(FuzzFolder.seedPath("micro-safetensors").resolve(f), dir.resolve(f));
        }
        Files.write(dir.resolve("model-00001-of-00002.safetensors"), new byte[] {1, 2, 3, 4});
        Verdict v = Oracle.judge(dir, List.of(), () -> ModelProbe.run(dir));
        assertEquals(Verdict.Kind.REJECTED, v.kind(), String.valueOf(v));
        assertTrue(v.error().getMessage().contains("model-00001-of-00002.safetensors"), v.error().getMessage());
    }
}
