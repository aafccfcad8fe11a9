package io.spikert.model.tokenizer;

/**
 * UTF-8 decoding with U+FFFD for each maximal ill-formed subpart (the Unicode / WHATWG practice and
 * what Rust's from_utf8_lossy in HF's decoder does). Java's own decoder groups some ill-formed bytes
 * differently (for example ED A0 A0), which would also make a streamed decode differ from a one-shot one.
 */
final class Utf8 {
    private static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    static String decodeLossy(byte[] bytes, int offset, int length) {
        StringBuilder sb = new StringBuilder(length);
        int end = offset + length;
        int i = offset;
        while (i < end) {
            int lead = bytes[i] & 0xFF;
            if (lead < 0x80) {
                sb.append((char) lead);
                i++;
                continue;
            }
            int need = sequenceLength(lead);
            if (need == 1 || i + 1 >= end || !validSecond(lead, bytes[i + 1] & 0xFF)) {
                sb.append(REPLACEMENT); // an invalid lead, or a lead not followed by what it needs
                i++;
                continue;
            }
            int j = i + 2;
            while (j - i < need && j < end && (bytes[j] & 0xC0) == 0x80) {
                j++;
            }
            if (j - i < need) {
                sb.append(REPLACEMENT); // truncated: the valid prefix i..j is one maximal subpart
            } else {
                int cp = lead & (0xFF >>> (need + 1));
                for (int k = i + 1; k < j; k++) {
                    cp = (cp << 6) | (bytes[k] & 0x3F);
                }
                sb.appendCodePoint(cp);
            }
            i = j;
        }
        return sb.toString();
    }

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
