package io.spikert.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BpeModelTest {
    /** All 256 byte tokens (ids 0..255 in byte order), then the given merges' results in order. */
    private static BpeModel tiny(String... merges) {
        Map<String, Integer> vocab = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.charOf(b)), b);
        }
        List<String[]> pairs = new ArrayList<>();
        for (String m : merges) {
            String[] p = m.split(" ");
            pairs.add(p);
            vocab.putIfAbsent(p[0] + p[1], vocab.size());
        }
        return new BpeModel(vocab, pairs);
    }

    private static int[] encode(BpeModel bpe, String word) {
        return bpe.encodeWord(word.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void lowestRankMergesFirst() {
        // ranks: "b c"=0 -> 256, "a b"=1 -> 257. "abc": b c wins, a stays alone.
        BpeModel bpe = tiny("b c", "a b");
        assertArrayEquals(new int[] {'a', 256}, encode(bpe, "abc"));
        assertArrayEquals(new int[] {257}, encode(bpe, "ab"));
    }

    @Test
    void equalPairsMergeLeftmostFirst() {
        // "aaa" with only "a a": the left pair merges and the last a is left over.
        BpeModel bpe = tiny("a a");
        assertArrayEquals(new int[] {256, 'a'}, encode(bpe, "aaa"));
        assertArrayEquals(new int[] {256, 256}, encode(bpe, "aaaa"));
        // With "aa aa" as well, four a's become one token, five leave a trailing a.
        BpeModel bpe2 = tiny("a a", "aa aa");
        assertArrayEquals(new int[] {257}, encode(bpe2, "aaaa"));
        assertArrayEquals(new int[] {257, 'a'}, encode(bpe2, "aaaaa"));
    }

    @Test
    void mergesChainThroughNewNeighbours() {
        // h e -> 256 (he), l l -> 257 (ll), he ll -> 258, hell o -> 259
        BpeModel bpe = tiny("h e", "l l", "he ll", "hell o");
        assertArrayEquals(new int[] {259}, encode(bpe, "hello"));
        assertArrayEquals(new int[] {258, 'l'}, encode(bpe, "helll"));
        assertArrayEquals(new int[] {}, encode(bpe, ""));
    }

    @Test
    void mergeOutsideTheVocabularyIsRejected() {
        Map<String, Integer> vocab = new HashMap<>(Map.of("a", 0, "b", 1));
        BpeModel.BadMerge e = assertThrows(BpeModel.BadMerge.class, () -> new BpeModel(vocab, List.<String[]>of(new String[] {"a", "b"})));
        assertTrue(e.getMessage().contains("\"ab\""), e.getMessage());
    }

    @Test
    void missingByteTokenIsNamed() {
        BpeModel bpe = new BpeModel(new HashMap<>(Map.of("a", 0)), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> encode(bpe, "ab"));
        assertTrue(e.getMessage().contains("0x62"), e.getMessage());
    }

    /**
     * The heap-based merge against GPT-2's original loop (merge every occurrence of the best pair,
     * repeat) on the real 151k merges, over random words including long repetitive runs.
     */
    @Test
    void matchesNaiveGpt2LoopOnRealMerges() throws Exception {
        Map<String, Integer> vocab = new HashMap<>();
        List<String[]> merges = new ArrayList<>();
        Map<String, Integer> ranks = new HashMap<>();
        new ObjectMapper().readTree(QwenFiles.dir().resolve("vocab.json").toFile())
                .properties().forEach(e -> vocab.put(e.getKey(), e.getValue().intValue()));
        for (String line : Files.readAllLines(QwenFiles.dir().resolve("merges.txt"))) {
            if (line.startsWith("#version") || line.isBlank()) {
                continue;
            }
            String[] p = line.split(" ");
            merges.add(p);
            ranks.putIfAbsent(p[0] + " " + p[1], ranks.size());
        }
        BpeModel bpe = new BpeModel(vocab, merges);
        Random random = new Random(11);
        String[] pieces = {"a", "n", "e", " ", "the", "ing", "!", "=", "\u4e2d", "\u00e9", "\ud83d\ude00", "0", "\n", "ab"};
        for (int trial = 0; trial < 1500; trial++) {
            StringBuilder sb = new StringBuilder();
            int len = trial < 1400 ? 1 + random.nextInt(12) : 40 + random.nextInt(60);
            for (int i = 0; i < len; i++) {
                sb.append(pieces[random.nextInt(pieces.length)]);
            }
            byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
            int[] expected = naive(ByteLevel.encode(bytes), ranks, vocab);
            assertArrayEquals(expected, bpe.encodeWord(bytes), sb::toString);
        }
    }

    private static int[] naive(String word, Map<String, Integer> ranks, Map<String, Integer> vocab) {
        List<String> parts = new ArrayList<>();
        for (char c : word.toCharArray()) {
            parts.add(String.valueOf(c));
        }
        while (parts.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String bestLeft = null;
            String bestRight = null;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = ranks.get(parts.get(i) + " " + parts.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    bestLeft = parts.get(i);
                    bestRight = parts.get(i + 1);
                }
            }
            if (bestLeft == null) {
                break;
            }
            List<String> merged = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                if (i + 1 < parts.size() && parts.get(i).equals(bestLeft) && parts.get(i + 1).equals(bestRight)) {
                    merged.add(bestLeft + bestRight);
                    i++;
                } else {
                    merged.add(parts.get(i));
                }
            }
            parts = merged;
        }
        return parts.stream().mapToInt(vocab::get).toArray();
    }
}
