package io.spikert.model.tokenizer;

/** UTF-8 sequence rules (RFC 3629) needed to hold back an unfinished character while streaming. */
final class Utf8 {
    private Utf8() {}

    /**
     * Where the trailing unfinished character of {@code bytes[0..length)} starts: the index of a lead
     * byte whose following bytes are all still valid continuations but too few. Returns
     * {@code length} when the buffer does not end inside a character that could still complete.
     */
    static int incompleteTailStart(byte[] bytes, int length) {
        for (int back = 1; back <= 3 && back <= length; back++) {
            int start = length - back;
            int lead = bytes[start] & 0xFF;
            if ((lead & 0xC0) == 0x80) {
                continue; // continuation byte: its lead is further back
            }
            int need = sequenceLength(lead);
            if (need <= back) {
                return length; // ASCII, invalid lead, or a full sequence: nothing to hold
            }
            for (int k = 1; k < back; k++) {
                int b = bytes[start + k] & 0xFF;
                if (k == 1 ? !validSecond(lead, b) : (b & 0xC0) != 0x80) {
                    return length;
                }
            }
            return start;
        }
        return length;
    }

    /** Total bytes of the sequence this lead byte starts, or 1 for ASCII and for bytes that cannot lead. */
    private static int sequenceLength(int lead) {
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 2;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 3;
        }
        if (lead >= 0xF0 && lead <= 0xF4) {
            return 4;
        }
        return 1;
    }

    /** The second byte is narrower after some leads: no overlongs, no surrogates, nothing past U+10FFFF. */
    private static boolean validSecond(int lead, int b) {
        return switch (lead) {
            case 0xE0 -> b >= 0xA0 && b <= 0xBF;
            case 0xED -> b >= 0x80 && b <= 0x9F;
            case 0xF0 -> b >= 0x90 && b <= 0xBF;
            case 0xF4 -> b >= 0x80 && b <= 0x8F;
            default -> (b & 0xC0) == 0x80;
        };
    }
}
