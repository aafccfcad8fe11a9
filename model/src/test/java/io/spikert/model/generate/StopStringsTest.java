package io.spikert.model.generate;

import io.spikert.model.PublishedFiles;
import io.spikert.model.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Stop strings on streamed text: held-back prefixes, overlapping stops, pieces of any size, split UTF-8. */
class StopStringsTest {

    /** Feeds {@code pieces} and flushes at the end unless stopped; returns everything shown. */
    private static String stream(StopStrings s, List<String> pieces) {
        var out = new StringBuilder();
        for (String p : pieces) {
            out.append(s.push(p));
        }
        out.append(s.flush());
        return out.toString();
    }

    private static List<String> chars(String text) {
        var list = new ArrayList<String>();
        text.codePoints().forEach(c -> list.add(Character.toString(c)));
        return list;
    }

    @Test
    void cutsBeforeTheFirstStopAndDropsTheRest() {
        var s = new StopStrings(List.of("STOP"));
        assertEquals("Hello ", stream(s, List.of("Hel", "lo ST", "OP and more", " text")));
        assertTrue(s.stopped());
        assertEquals("STOP", s.matched());
        assertEquals("", s.push("after"), "nothing after a stop");
        assertEquals("", s.flush());
    }

    @Test
    void holdsBackOnlyWhatCouldStillBeAStop() {
        var s = new StopStrings(List.of("</s>", "###"));
        assertEquals("hello ", s.push("hello <"));
        assertEquals("", s.push("/"));
        assertEquals("</x", s.push("x"), "a prefix that turned out not to be a stop is released at once");
        assertEquals(" ", s.push(" #"));
        assertEquals("", s.push("#"));
        assertEquals("##!", s.push("!"));
        assertEquals("a", s.push("a#"));
        assertEquals("#", s.flush(), "the end of the stream releases what was held");
        assertFalse(s.stopped());
    }

    @Test
    void aStopAtTheVeryStartGivesNothing() {
        assertEquals("", stream(new StopStrings(List.of("Q:")), List.of("Q:", " what")));
        assertEquals("", stream(new StopStrings(List.of("Q:")), List.of("Q", ":")));
        var s = new StopStrings(List.of("Q:"));
        assertEquals("", s.push("Q: x"));
        assertTrue(s.stopped());
    }

    @Test
    void theFirstStopCompletedWinsAndTheLongestOfThoseEndingTogether() {
        // "bc" completes before "abcd" could: the cut is at "bc"
        var s = new StopStrings(List.of("abcd", "bc"));
        assertEquals("xa", stream(s, chars("xabcdy")));
        assertEquals("bc", s.matched());
        // "ab" and "b" end at the same character: the longer one cuts earlier
        var t = new StopStrings(List.of("b", "ab"));
        assertEquals("x", stream(t, List.of("xab")));
        assertEquals("ab", t.matched());
        // a repeated-character stop with a false start
        assertEquals("a", stream(new StopStrings(List.of("aab")), chars("aaab")));
        assertEquals("xaa", stream(new StopStrings(List.of("aab")), chars("xaac")).substring(0, 3));
        assertEquals("no stops here", stream(new StopStrings(List.of()), List.of("no stops ", "here")));
    }

    @Test
    void theResultDoesNotDependOnHowTheTextIsSplit() {
        var random = new Random(12);
        for (int round = 0; round < 2000; round++) {
            String text = randomText(random, 1 + random.nextInt(30));
            List<String> stops = new ArrayList<>();
            for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                stops.add(randomText(random, 1 + random.nextInt(4)));
            }
            String expected = reference(text, stops);
            var pieces = new ArrayList<String>();
            for (int at = 0; at < text.length(); ) {
                int len = Math.min(text.length() - at, 1 + random.nextInt(5));
                pieces.add(text.substring(at, at + len));
                at += len;
            }
            assertEquals(expected, stream(new StopStrings(stops), pieces), text + " stops " + stops + " pieces " + pieces);
            assertEquals(expected, stream(new StopStrings(stops), List.of(text)), text + " stops " + stops + " whole");
        }
    }

    private static String randomText(Random r, int n) {
        var b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("ab c".charAt(r.nextInt(4)));
        }
        return b.toString();
    }

    /** Brute force: the text before the occurrence with the earliest end, the earliest start among those. */
    private static String reference(String text, List<String> stops) {
        for (int end = 1; end <= text.length(); end++) {
            for (int start = 0; start < end; start++) {
                if (stops.contains(text.substring(start, end))) {
                    return text.substring(0, start);
                }
            }
        }
        return text;
    }

    @Test
    void findsStopsAcrossTokensAndInsideSplitUtf8() throws IOException {
        Tokenizer tok = Tokenizer.load(PublishedFiles.dir());
        String text = "New York 𓀀 and 𠜎 are signs; the end."; // neither sign is one token: their bytes span tokens
        int[] ids = tok.encode(text);
        for (String stop : new String[] {"w Yo", "𓀀", "𠜎 a", "end.", "N"}) {
            var decoder = tok.streamingDecoder();
            var stops = new StopStrings(List.of(stop));
            var out = new StringBuilder();
            boolean split = false;
            for (int id : ids) {
                String piece = decoder.push(id);
                split |= piece.isEmpty();
                out.append(stops.push(piece));
                if (stops.stopped()) {
                    break;
                }
            }
            out.append(stops.push(decoder.flush())).append(stops.flush());
            assertTrue(stops.stopped(), stop);
            assertEquals(text.substring(0, text.indexOf(stop)), out.toString(), "stop " + stop);
            if (stop.equals("end.")) {
                assertTrue(split, "some token of the text ends inside a UTF-8 character");
            }
        }
    }

    @Test
    void emptyStopStringsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new StopStrings(List.of("ok", "")));
        assertTrue(e.getMessage().contains("stop"), e.getMessage());
    }
}
