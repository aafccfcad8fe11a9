package io.spikert.model;

import io.spikert.model.convert.Converter;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loader never depends on the conversion tool (issue 10): the checkpoint formats live in
 * {@code io.spikert.model.checkpoint} and are used by the converter, never the other way round. The test reads
 * the compiled classes of the model module, so a fully qualified use counts as much as an import: a class file
 * names every class it touches in its constant pool as {@code io/spikert/model/convert/...}. Only the converter
 * itself and the {@code spikert convert} command that runs it may name that package.
 */
class LoaderConverterBoundaryTest {
    private static final byte[] CONVERT = "io/spikert/model/convert/".getBytes(StandardCharsets.US_ASCII);

    @Test
    void noClassOutsideTheConverterReferencesIt() throws IOException, URISyntaxException {
        Path classes = Path.of(Converter.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path root = classes.resolve("io/spikert/model");
        List<String> offenders = new ArrayList<>();
        int scanned = 0;
        boolean commandSeen = false;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                String name = root.relativize(f).toString().replace('\\', '/');
                boolean references = contains(Files.readAllBytes(f), CONVERT);
                if (name.startsWith("convert/")) {
                    continue;
                }
                scanned++;
                if (name.startsWith("cli/ConvertCommand")) {
                    commandSeen |= references;
                } else if (references) {
                    offenders.add(name);
                }
            }
        }
        assertTrue(scanned > 50, "scanned only " + scanned + " classes under " + root);
        // the detector finds the one permitted use, so an empty offender list means something
        assertTrue(commandSeen, "cli/ConvertCommand should reference the converter");
        assertEquals(List.of(), offenders, "classes outside io.spikert.model.convert that reference it");
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
