package io.spikert.kernels.spike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The shared channel list against a plain scan of the counts, its refusals, and the outlier row search. */
class ChannelListTest {

    @Test
    void listsActiveOrAllChannelsInOrderAndIsReusable() {
        Random rnd = new Random(3);
        ChannelList list = new ChannelList();
        for (int cols : new int[] {384, 128, 512}) {
            int cOff = 2;
            int[] counts = new int[cOff + cols + 1];
            for (int c = 0; c < cols; c++) {
                counts[cOff + c] = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(41) - 20;
            }
            counts[cOff + cols] = 99; // past the input: must not be listed

            list.listActive(counts, cOff, cols);
            assertTrue(list.skipsSilent());
            assertEquals(cols, list.cols());
            int k = 0;
            for (int c = 0; c < cols; c++) {
                if (c % Int8Weights.GROUP == 0) {
                    assertEquals(k, list.groupEnd[c / Int8Weights.GROUP], "group " + c / Int8Weights.GROUP + " starts at entry " + k);
                }
                if (counts[cOff + c] != 0) {
                    assertEquals(c, list.channel(k));
                    assertEquals(counts[cOff + c], list.count(k++));
                }
            }
            assertEquals(k, list.size());
            assertEquals(k, list.groupEnd[cols / Int8Weights.GROUP]);

            list.listAll(counts, cOff, cols);
            assertFalse(list.skipsSilent());
            assertEquals(cols, list.size());
            for (int c = 0; c < cols; c++) {
                assertEquals(c, list.channel(c));
                assertEquals(counts[cOff + c], list.count(c));
            }
            assertThrows(IndexOutOfBoundsException.class, () -> list.channel(cols));
        }
    }

    @Test
    void refusesBadInputsAndListsThatDoNotFitTheKernel() {
        ChannelList list = new ChannelList();
        var size = assertThrows(IllegalArgumentException.class, () -> list.listActive(new int[200], 0, 200));
        assertTrue(size.getMessage().contains("200"), size.getMessage());
        int[] counts = new int[256];
        counts[130] = Int8Weights.MAX_ABS_COUNT + 1;
        var big = assertThrows(IllegalArgumentException.class, () -> list.listAll(counts, 0, 256));
        assertTrue(big.getMessage().contains("channel 130"), big.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> list.listActive(new int[255], 0, 256));

        try (Arena arena = Arena.ofConfined()) {
            Int8Weights w = Int8Weights.fromCodes(arena, new int[2 * 128], 2, 128, new float[] {1f, 1f});
            float[] y = new float[2];
            var other = assertThrows(IllegalArgumentException.class,
                    () -> SpikeMatVec.sparse(w, new ChannelList().listAll(new int[256], 0, 256), 1f, y, 0, 0, 2));
            assertTrue(other.getMessage().contains("256 inputs"), other.getMessage());
            var active = assertThrows(IllegalArgumentException.class,
                    () -> Int8MatVec.dense(w, new ChannelList().listActive(new int[128], 0, 128), 1f, y, 0, 0, 2));
            assertTrue(active.getMessage().contains("listAll"), active.getMessage());
            var activeGroups = assertThrows(IllegalArgumentException.class,
                    () -> Int8MatVec.denseGroups(w, new ChannelList().listActive(new int[128], 0, 128), 1f, y, 0, 0, 1));
            assertTrue(activeGroups.getMessage().contains("denseGroups") && activeGroups.getMessage().contains("listAll"), activeGroups.getMessage());
            var range = assertThrows(IllegalArgumentException.class,
                    () -> SpikeMatVec.sparseGroups(w, new ChannelList().listActive(new int[128], 0, 128), 1f, y, 0, 0, 2));
            assertTrue(range.getMessage().contains("[0, 2)"), range.getMessage());
            assertThrows(IndexOutOfBoundsException.class,
                    () -> SpikeMatVec.sparseGroups(w, new ChannelList().listActive(new int[128], 0, 128), 1f, y, 1, 0, 1));
            var floatRange = assertThrows(IllegalArgumentException.class, () -> Int8MatVec.denseFloatGroups(w, new float[128], 0, y, 0, 1, 0));
            assertTrue(floatRange.getMessage().contains("denseFloatGroups") && floatRange.getMessage().contains("[1, 0)"), floatRange.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> Int8MatVec.denseFloatGroups(w, new float[127], 0, y, 0, 0, 1));
        }
    }

    @Test
    void firstAtOrAfterMatchesALinearScan() {
        int[] row = {1, 4, 4, 9, 20, 21, 40};
        for (int from = 0; from <= row.length; from++) {
            for (int to = from; to <= row.length; to++) {
                for (int start = 0; start <= 42; start++) {
                    int expected = from;
                    while (expected < to && row[expected] < start) {
                        expected++;
                    }
                    assertEquals(expected, Int8Weights.firstAtOrAfter(row, from, to, start), from + ".." + to + " from row " + start);
                }
            }
        }
    }

    @Test
    void splitGroupCutsTheListIntoBalancedOrderedPartsOnGroupEdges() {
        int cols = 8 * Int8Weights.GROUP;
        int[] counts = new int[cols];
        // group g holds g + 1 active channels (the last group 8): 36 entries
        for (int g = 0; g < 8; g++) {
            for (int i = 0; i <= g; i++) {
                counts[g * Int8Weights.GROUP + i] = 1;
            }
        }
        ChannelList list = new ChannelList().listActive(counts, 0, cols);
        assertEquals(36, list.size());
        for (int parts = 1; parts <= 10; parts++) {
            assertEquals(0, list.splitGroup(parts, 0));
            assertEquals(8, list.splitGroup(parts, parts));
            for (int p = 0; p < parts; p++) {
                assertTrue(list.splitGroup(parts, p) <= list.splitGroup(parts, p + 1), parts + " parts: part " + p + " ends before it starts");
            }
        }
        // 2 parts: 18 entries each ideally; groups 0-4 hold 15 and 0-5 hold 21, equally far: the tie stays low, part 0 is groups 0-4
        assertEquals(5, list.splitGroup(2, 1));
        assertThrows(IllegalArgumentException.class, () -> list.splitGroup(2, 3));
        assertThrows(IllegalArgumentException.class, () -> list.splitGroup(0, 0));
        ChannelList silent = new ChannelList().listActive(new int[cols], 0, cols);
        assertEquals(0, silent.splitGroup(3, 0));
        assertEquals(8, silent.splitGroup(3, 3));
    }
}
