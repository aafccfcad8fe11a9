package io.spikert.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.SpikeTileList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

/**
 * Tuning's defaults are the kernels' own, every switch is read from its system property, and a bad value is
 * refused with the property, the value and the allowed range in the message; the documentation's table
 * names every switch.
 */
class TuningTest {

    @Test
    void defaultsAreTheKernelsDefaults() {
        Tuning d = Tuning.defaults();
        assertEquals(0.05, d.sparseFromSilentShare());
        assertEquals(16, d.spikeBatchFromTokens());
        assertEquals(SpikeTileList.DEFAULT_TILE_TOKENS, d.batchTileTokens());
        assertEquals(Int8Weights.DEFAULT_MAX_BLOCK_ROWS, d.maxBlockRows());
        assertEquals(false, d.batchFloatOnly());
        assertEquals(false, d.checkEachLaunch());
        assertEquals(d, Tuning.fromProperties(new Properties()), "no property set: the defaults");
    }

    @Test
    @ResourceLock(Resources.SYSTEM_PROPERTIES)
    void readsEverySwitchFromSystemProperties() {
        int block = 3 * Int8Weights.TILE;
        String[][] set = {
            {Tuning.SPARSE_FROM_SILENT_SHARE, "0.25"},
            {Tuning.SPIKE_BATCH_FROM_TOKENS, " 4 "},
            {Tuning.BATCH_TILE_TOKENS, "8"},
            {Tuning.MAX_BLOCK_ROWS, Integer.toString(block)},
            {Tuning.BATCH_FLOAT_ONLY, "TRUE"},
            {Tuning.CHECK_EACH_LAUNCH, "true"},
            {Tuning.VENDOR_MATH, " Require"},
            {Tuning.VENDOR_FROM_TOKENS, "64"},
        };
        try {
            for (String[] p : set) {
                System.setProperty(p[0], p[1]);
            }
            assertEquals(new Tuning(0.25, 4, 8, block, true, true, VendorMath.REQUIRE, 64), Tuning.fromSystemProperties());
            System.setProperty(Tuning.BATCH_FLOAT_ONLY, "false");
            assertEquals(false, Tuning.fromSystemProperties().batchFloatOnly());
        } finally {
            for (String[] p : set) {
                System.clearProperty(p[0]);
            }
        }
        assertEquals(Tuning.defaults(), Tuning.fromSystemProperties());
    }

    @Test
    @ResourceLock(Resources.SYSTEM_PROPERTIES)
    void badSystemPropertyIsNamedWithItsValueAndRange() {
        try {
            System.setProperty(Tuning.BATCH_TILE_TOKENS, "65");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Tuning::fromSystemProperties);
            assertMentions(e, Tuning.BATCH_TILE_TOKENS, "\"65\"", "[1, " + SpikeTileList.MAX_TILE_TOKENS + "]");
        } finally {
            System.clearProperty(Tuning.BATCH_TILE_TOKENS);
        }
    }

    @Test
    void everyKindOfBadValueIsRefusedByName() {
        String tile = Integer.toString(Int8Weights.TILE);
        String[][] bad = {
            {Tuning.SPARSE_FROM_SILENT_SHARE, "-0.1", ">= 0"},
            {Tuning.SPARSE_FROM_SILENT_SHARE, "NaN", ">= 0"},
            {Tuning.SPARSE_FROM_SILENT_SHARE, "five percent", ">= 0"},
            {Tuning.SPIKE_BATCH_FROM_TOKENS, "0", ">= 1"},
            {Tuning.SPIKE_BATCH_FROM_TOKENS, "99999999999", ">= 1"},
            {Tuning.BATCH_TILE_TOKENS, "0", "[1, "},
            {Tuning.BATCH_TILE_TOKENS, "", "[1, "},
            {Tuning.MAX_BLOCK_ROWS, Integer.toString(Int8Weights.TILE + 1), tile},
            {Tuning.MAX_BLOCK_ROWS, "0", tile},
            {Tuning.BATCH_FLOAT_ONLY, "yes", "true or false"},
            {Tuning.CHECK_EACH_LAUNCH, "1", "true or false"},
            {Tuning.VENDOR_MATH, "onednn", "auto, off or require"},
            {Tuning.VENDOR_FROM_TOKENS, "1", ">= 2"},
            {Tuning.VENDOR_FROM_TOKENS, "many", ">= 2"},
        };
        for (String[] b : bad) {
            Properties p = new Properties();
            p.setProperty(b[0], b[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tuning.fromProperties(p), b[0] + "=" + b[1]);
            assertMentions(e, b[0], "\"" + b[1] + "\"", b[2]);
        }
    }

    @Test
    void withVendorMathChangesThatSwitchOnly() {
        Tuning d = Tuning.defaults();
        Tuning off = d.withVendorMath(VendorMath.OFF);
        assertEquals(VendorMath.OFF, off.vendorMath());
        assertEquals(d, off.withVendorMath(d.vendorMath()));
    }

    @Test
    void constructorChecksEveryNumber() {
        assertMentions(assertThrows(IllegalArgumentException.class, () -> new Tuning(-1, 16, 32, Int8Weights.TILE, false, false, VendorMath.AUTO, 8)),
                "sparseFromSilentShare");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> new Tuning(0.05, 0, 32, Int8Weights.TILE, false, false, VendorMath.AUTO, 8)),
                "spikeBatchFromTokens");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> new Tuning(0.05, 16, 65, Int8Weights.TILE, false, false, VendorMath.AUTO, 8)),
                "batchTileTokens");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> new Tuning(0.05, 16, 32, Int8Weights.TILE - 1, false, false, VendorMath.AUTO, 8)),
                "maxBlockRows");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> new Tuning(0.05, 16, 32, Int8Weights.TILE, false, false,
                VendorMath.AUTO, 1)), "vendorFromTokens");
    }

    /** The one table of switches (docs/PERFORMANCE.md) has a row for every property Tuning reads, with its default. */
    @Test
    void documentationTableNamesEverySwitchWithItsDefault() throws IOException {
        Path doc = Path.of("..", "docs", "PERFORMANCE.md");
        String text = Files.readString(doc);
        int table = text.indexOf("## Tuning switches");
        assertTrue(table >= 0, doc + " has no \"## Tuning switches\" section");
        Tuning d = Tuning.defaults();
        String[] defaults = {
            Double.toString(d.sparseFromSilentShare()), Integer.toString(d.spikeBatchFromTokens()),
            Integer.toString(d.batchTileTokens()), Integer.toString(d.maxBlockRows()),
            Boolean.toString(d.batchFloatOnly()), Boolean.toString(d.checkEachLaunch()), d.vendorMath().toString(),
            Integer.toString(d.vendorFromTokens()),
        };
        for (int i = 0; i < Tuning.PROPERTIES.size(); i++) {
            String property = Tuning.PROPERTIES.get(i);
            String rowStart = "| `" + property + "` |";
            int row = text.indexOf(rowStart, table);
            assertTrue(row > 0, doc + " has no row for " + property + " under Tuning switches");
            String[] cells = text.substring(row, text.indexOf('\n', row)).split("\\|");
            // cells: "", property, component, default, ...
            assertTrue(cells[3].strip().startsWith(defaults[i]), doc + ": " + property + " default is documented as \""
                    + cells[3].strip() + "\", Tuning.defaults() says " + defaults[i]);
        }
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "\"" + part + "\" missing from: " + e.getMessage());
        }
    }
}
