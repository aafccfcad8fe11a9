package io.spikert.model.checkpoint;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The one Jackson mapper of this package: strict about duplicate keys, which are ambiguous in headers and indexes. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /** Reads one whole document; anything after the top-level value is an error. */
    static JsonNode readDocument(byte[] bytes) throws java.io.IOException {
        return MAPPER.readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readValue(bytes);
    }

    private Json() {
    }

    /** True for a JSON integer that fits a long (not a float, not a huge BigInteger). */
    static boolean isLong(JsonNode node) {
        return node != null && node.isIntegralNumber() && node.canConvertToLong();
    }

    /** Jackson messages carry a source location block after a newline; the first line is the useful part. */
    static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
