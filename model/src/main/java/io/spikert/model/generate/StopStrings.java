package io.spikert.model.generate;

import java.util.List;

/**
 * Cuts streamed text at the first stop string, as OpenAI's {@code stop} does: the text before the stop is returned,
 * the stop string itself and everything after it are not. Feed it the text as it is decoded (for instance each piece
 * a {@link io.spikert.model.tokenizer.StreamingDecoder} returns, which holds back the bytes of an unfinished UTF-8
 * character, so a stop string spanning tokens or split inside a character is still found).
 *
 * <p>It holds back only the end of the text that could still become a stop string (the longest suffix that is a
 * proper prefix of one), so text reaches the caller as soon as it cannot be part of a stop. "First" means the first
 * to be completed: of all occurrences, the one ending earliest, and of those ending at the same character, the
 * longest; so the result does not depend on how the text was split into pieces. Not thread-safe: one per stream.
 */
public final class StopStrings {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private String matched;

    /** @param stops the stop strings, each non-empty (none: the text passes through unchanged) */
    public StopStrings(List<String> stops) {
        for (String s : stops) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        this.stops = List.copyOf(stops);
    }

    /**
     * Adds decoded text; returns the text that can be shown now (possibly empty). Once a stop string has been
     * completed, returns the text before it and then only empty strings.
     */
    public String push(String text) {
        if (matched != null) {
            return "";
        }
        if (stops.isEmpty()) {
            return text;
        }
        held.append(text);
        int bestStart = -1;
        int bestEnd = Integer.MAX_VALUE;
        String best = null;
        for (String s : stops) {
            int at = held.indexOf(s);
            if (at >= 0) {
                int end = at + s.length();
                if (end < bestEnd || (end == bestEnd && at < bestStart)) {
                    bestStart = at;
                    bestEnd = end;
                    best = s;
                }
            }
        }
        if (best != null) {
            matched = best;
            String out = held.substring(0, bestStart);
            held.setLength(0);
            return out;
        }
        int keep = partialStopLength();
        int cut = held.length() - keep;
        if (cut > 0 && cut < held.length() && Character.isHighSurrogate(held.charAt(cut - 1))
                && Character.isLowSurrogate(held.charAt(cut))) {
            cut--; // never split a surrogate pair
        }
        String out = held.substring(0, cut);
        held.delete(0, cut);
        return out;
    }

    /** Ends the stream: returns what was held back (it can no longer become a stop string), or "" after a stop. */
    public String flush() {
        String out = held.toString();
        held.setLength(0);
        return out;
    }

    /** Whether a stop string was found. */
    public boolean stopped() {
        return matched != null;
    }

    /** The stop string found, or null. */
    public String matched() {
        return matched;
    }

    /** Length of the longest suffix of the held text that is a proper prefix of a stop string. */
    private int partialStopLength() {
        int best = 0;
        int n = held.length();
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, n); len > best; len--) {
                if (endsWithPrefix(n, s, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }

    private boolean endsWithPrefix(int n, String stop, int len) {
        for (int i = 0; i < len; i++) {
            if (held.charAt(n - len + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
