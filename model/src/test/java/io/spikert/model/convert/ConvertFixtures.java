package io.spikert.model.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Fixture paths and an independent reading of safetensors headers for the conversion tests. */
final class ConvertFixtures {
    static final Path TINY = Path.of("src/test/resources/tiny");
    static final Path W8 = Path.of("src/test/resources/tiny-w8aspike");

    private ConvertFixtures() {
    }

    record Entry(String name, String dtype, long begin, long end) {
    }

    /** Header entries of a safetensors file, parsed here with Jackson (not with the project's reader). */
    static List<Entry> header(Path file, long[] dataStartOut) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long n = len.flip().getLong();
            ByteBuffer json = ByteBuffer.allocate((int) n);
            ch.read(json, 8);
            JsonNode root = new ObjectMapper().readTree(new String(json.array(), StandardCharsets.UTF_8));
            List<Entry> out = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : root.properties()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode o = e.getValue().get("data_offsets");
                out.add(new Entry(e.getKey(), e.getValue().get("dtype").asText(), o.get(0).asLong(), o.get(1).asLong()));
            }
            dataStartOut[0] = 8 + n;
            // The safetensors rule: sorted by offset, the entries tile the data section with no hole.
            List<Entry> sorted = new ArrayList<>(out);
            sorted.sort((a, b) -> Long.compare(a.begin, b.begin));
            long pos = 0;
            for (Entry e : sorted) {
                assertEquals(pos, e.begin, "hole or overlap before " + e.name);
                pos = e.end;
            }
            assertEquals(ch.size() - 8 - n, pos, "data section fully indexed");
            return out;
        }
    }

    /** The folder holds nothing but {@code expected} (no DST, no DST.partial-*). */
    static void assertOnly(Path dir, String... expected) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(expected), s.map(p -> p.getFileName().toString()).sorted().toList(), "contents of " + dir);
        }
    }

    static final class Captured {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

        Converter converter() {
            return new Converter(outStream, errStream);
        }

        String out() {
            return out.toString(StandardCharsets.UTF_8);
        }

        String err() {
            return err.toString(StandardCharsets.UTF_8);
        }
    }
}
