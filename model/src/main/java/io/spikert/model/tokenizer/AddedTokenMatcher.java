package io.spikert.model.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finds added tokens in raw text, leftmost first and the longest on a tie, as HF's added-token split does. */
final class AddedTokenMatcher {
    private final Map<Character, AddedToken[]> byFirstChar = new HashMap<>();

    AddedTokenMatcher(Iterable<AddedToken> tokens) {
        Map<Character, List<AddedToken>> groups = new HashMap<>();
        for (AddedToken t : tokens) {
            groups.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
        }
        groups.forEach((c, list) -> {
            list.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
            byFirstChar.put(c, list.toArray(AddedToken[]::new));
        });
    }

    /** The token starting at {@code pos}, or null. */
    AddedToken matchAt(String text, int pos) {
        AddedToken[] candidates = byFirstChar.get(text.charAt(pos));
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
