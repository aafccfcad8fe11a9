package io.spikert.model.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finds added tokens in raw text, leftmost first and the longest on a tie, as HF's added-token split does. */
final class AddedTokenMatcher {
    private final Map<Character, AddedToken[]> byFirstChar = new HashMap<>();
    // Cheap pre-check so that ordinary characters skip the boxed map lookup.
    private final BitSet firstChars = new BitSet();

    AddedTokenMatcher(Iterable<AddedToken> tokens) {
        Map<Character, List<AddedToken>> groups = new HashMap<>();
        for (AddedToken t : tokens) {
            groups.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
        }
        groups.forEach((c, list) -> {
            list.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
            byFirstChar.put(c, list.toArray(AddedToken[]::new));
            firstChars.set(c);
        });
    }

    /** The token starting at {@code pos}, or null. */
    AddedToken matchAt(String text, int pos) {
        char c = text.charAt(pos);
        if (!firstChars.get(c)) {
            return null;
        }
        AddedToken[] candidates = byFirstChar.get(c);
        if (candidates != null) {
            for (AddedToken t : candidates) {
                if (text.startsWith(t.content(), pos)) {
                    return t;
                }
            }
        }
        return null;
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }
}
