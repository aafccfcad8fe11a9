package io.spikert.model.tokenizer;

import java.util.Arrays;

/**
 * Decodes ids one at a time as a model generates them. A character's UTF-8 bytes may be spread
 * over several byte tokens (emoji, CJK), so bytes of an unfinished character are held back until
 * it completes. Everything pushed and flushed joins up to exactly {@link Tokenizer#decode}.
 * Not thread-safe: one per generation stream.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[8];
    private int pendingLength;

    StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one id; returns the characters it completed (possibly empty). */
    public String push(int id) {
        byte[] b = tokenizer.bytesOf(id);
        if (pendingLength + b.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + b.length));
        }
        System.arraycopy(b, 0, pending, pendingLength, b.length);
        pendingLength += b.length;
        int cut = Utf8.incompleteTailStart(pending, pendingLength);
        if (cut == 0) {
            return "";
        }
        // Bytes before the cut decode the same alone as inside the whole text: the cut sits on a lead
        // byte, which no ill-formed subpart before it can extend over.
        String out = Utf8.decodeLossy(pending, 0, cut);
        System.arraycopy(pending, cut, pending, 0, pendingLength - cut);
        pendingLength -= cut;
        return out;
    }

    /** Returns what is still held back, with U+FFFD for a character that never completed, and resets. */
    public String flush() {
        String out = Utf8.decodeLossy(pending, 0, pendingLength);
        pendingLength = 0;
        return out;
    }
}
