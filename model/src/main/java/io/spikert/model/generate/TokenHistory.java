package io.spikert.model.generate;

import java.util.Arrays;

/**
 * The tokens the penalties look at: which ids the prompt holds and how often each id has been generated, with the
 * list of ids seen at all, so that a penalty costs the number of distinct tokens and not the vocabulary.
 */
final class TokenHistory {
    private boolean[] inPrompt = new boolean[0];
    private int[] generated = new int[0];
    private int[] seen = new int[16];
    private int seenCount;

    /** Forgets everything, then records the prompt's ids. */
    void reset(int[] prompt) {
        Arrays.fill(inPrompt, false);
        Arrays.fill(generated, 0);
        seenCount = 0;
        for (int id : prompt) {
            grow(id);
            if (!inPrompt[id]) {
                if (generated[id] == 0) {
                    see(id);
                }
                inPrompt[id] = true;
            }
        }
    }

    /** Records one generated id. */
    void addGenerated(int id) {
        grow(id);
        if (!inPrompt[id] && generated[id] == 0) {
            see(id);
        }
        generated[id]++;
    }

    /** Number of distinct ids in the prompt or generated. */
    int seenCount() {
        return seenCount;
    }

    /** The i-th distinct id seen, i in [0, seenCount). */
    int seen(int i) {
        return seen[i];
    }

    boolean inPrompt(int id) {
        return id < inPrompt.length && inPrompt[id];
    }

    /** How often {@code id} has been generated. */
    int generatedCount(int id) {
        return id < generated.length ? generated[id] : 0;
    }

    private void see(int id) {
        if (seenCount == seen.length) {
            seen = Arrays.copyOf(seen, seenCount * 2);
        }
        seen[seenCount++] = id;
    }

    private void grow(int id) {
        if (id < 0) {
            throw new IllegalArgumentException("token ids are >= 0, got " + id);
        }
        if (id >= generated.length) {
            int n = Math.max(id + 1, generated.length * 2);
            generated = Arrays.copyOf(generated, n);
            inPrompt = Arrays.copyOf(inPrompt, n);
        }
    }
}
