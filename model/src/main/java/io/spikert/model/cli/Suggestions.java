package io.spikert.model.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Names close to a mistyped one: at most two edits (insert, delete, replace, or swap two neighbours) away. */
final class Suggestions {
    private static final int MAX_EDITS = 2;

    private Suggestions() {}

    /** The names within {@value #MAX_EDITS} edits of {@code typed}, closest first. */
    static List<String> closest(String typed, Collection<String> names) {
        record Scored(String name, int distance) {}
        List<Scored> close = new ArrayList<>();
        if (typed.length() > 64) {
            return List.of(); // no option name is that long; and the table below is sized by it
        }
        for (String n : names) {
            int d = distance(typed, n);
            if (d <= MAX_EDITS && d < n.length()) {
                close.add(new Scored(n, d));
            }
        }
        close.sort(Comparator.comparingInt(Scored::distance).thenComparing(Scored::name));
        return close.stream().map(Scored::name).toList();
    }

    /** Optimal string alignment distance (Levenshtein plus transposition of neighbours). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
