package io.spikert.runtime;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.SpikeTileList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Every tuning switch of the runtime, with its default, read in this one place and passed to the kernels
 * and backends that use it; the kernel classes read no system property. None changes a result: each
 * moves only where work is done or how memory is walked (bit for bit the same logits, except where a
 * different thread split or library regroups float sums, as the thread count does). The table of switches, with
 * the measurements behind the defaults, is docs/PERFORMANCE.md, "Tuning switches".
 *
 * @param sparseFromSilentShare silent-channel share of a spike-count input from which a per-token spike
 *        product uses the event-driven kernel instead of the dense one; at least 0, above 1 means never
 *        ({@value #SPARSE_FROM_SILENT_SHARE})
 * @param spikeBatchFromTokens tokens from which a spike product over several tokens (prefill) takes the
 *        batched kernel; fewer go token by token; 1 or 2 means always ({@value #SPIKE_BATCH_FROM_TOKENS})
 * @param batchTileTokens tokens per tile of the batched INT8 and spike products: each weight piece is
 *        read once per tile; in [1, {@link SpikeTileList#MAX_TILE_TOKENS}] ({@value #BATCH_TILE_TOKENS})
 * @param maxBlockRows most rows per channel block of the INT8 weight layout; a positive multiple of
 *        {@link Int8Weights#TILE} ({@value #MAX_BLOCK_ROWS})
 * @param batchFloatOnly every exact tile of the batched spike product on the float path instead of int16
 *        lanes: the same results, slower; for benchmarks ({@value #BATCH_FLOAT_ONLY})
 * @param checkEachLaunch on a GPU, wait for the device after every launch so a faulting kernel is named
 *        in the error; slower ({@value #CHECK_EACH_LAUNCH})
 * @param vendorMath whether the CPU backend hands prefill products to oneDNN where it is found
 *        ({@value #VENDOR_MATH}); the products stay FP32-accurate at the default precision, their float sums
 *        grouped differently
 * @param vendorFromTokens tokens from which a product over several tokens goes to the vendor library; fewer stay
 *        on the Vector API kernels; at least 2 ({@value #VENDOR_FROM_TOKENS})
 */
public record Tuning(double sparseFromSilentShare, int spikeBatchFromTokens, int batchTileTokens, int maxBlockRows,
        boolean batchFloatOnly, boolean checkEachLaunch, VendorMath vendorMath, int vendorFromTokens) {

    public static final String SPARSE_FROM_SILENT_SHARE = "spikert.spike.sparseFromSilentShare";
    public static final String SPIKE_BATCH_FROM_TOKENS = "spikert.spike.batchFromTokens";
    public static final String BATCH_TILE_TOKENS = "spikert.int8.batchTokens";
    public static final String MAX_BLOCK_ROWS = "spikert.int8.maxBlockRows";
    public static final String BATCH_FLOAT_ONLY = "spikert.int8.batchFloatOnly";
    public static final String CHECK_EACH_LAUNCH = "spikert.gpu.checkEachLaunch";
    public static final String VENDOR_MATH = "spikert.cpu.vendorMath";
    public static final String VENDOR_FROM_TOKENS = "spikert.cpu.vendorFromTokens";

    /** The system property of every switch, in the order of the record's components. */
    public static final List<String> PROPERTIES = List.of(SPARSE_FROM_SILENT_SHARE, SPIKE_BATCH_FROM_TOKENS,
            BATCH_TILE_TOKENS, MAX_BLOCK_ROWS, BATCH_FLOAT_ONLY, CHECK_EACH_LAUNCH, VENDOR_MATH, VENDOR_FROM_TOKENS);

    /**
     * The event kernel skips a silent channel's whole run of weights and otherwise walks the same runs as
     * the dense kernel, so it wins from the first few silent percent; 5% keeps the dense kernel where
     * nothing would be skipped.
     */
    public static final double DEFAULT_SPARSE_FROM_SILENT_SHARE = 0.05;
    /**
     * A tile reads the union of its tokens' active channels, so small batches lose the per-token event
     * skipping where tokens are silent on different channels; from about 16 tokens the weight reuse wins.
     */
    public static final int DEFAULT_SPIKE_BATCH_FROM_TOKENS = 16;
    /**
     * oneDNN's AMX BF16 matmul wins over the Vector API's multi-token product from 2 tokens at the 7B shapes (3.4x
     * one pass at 2 tokens, and three passes at 2 tokens cost about one at 6), so every product over several
     * tokens, a batched decode of 2 sequences included, goes to it; a single token stays on the Vector API's
     * matrix-vector kernel, which streams the weights at the DRAM bound.
     */
    public static final int DEFAULT_VENDOR_FROM_TOKENS = 2;

    /** Checks every value; an error names the switch and its allowed range. */
    public Tuning {
        sparseFromSilentShare = checkShare(sparseFromSilentShare, "sparseFromSilentShare");
        spikeBatchFromTokens = checkBatchFrom(spikeBatchFromTokens, "spikeBatchFromTokens");
        batchTileTokens = checkTileTokens(batchTileTokens, "batchTileTokens");
        maxBlockRows = checkBlockRows(maxBlockRows, "maxBlockRows");
        java.util.Objects.requireNonNull(vendorMath, "vendorMath");
        vendorFromTokens = checkVendorFrom(vendorFromTokens, "vendorFromTokens");
    }

    /** Every switch at its default. */
    public static Tuning defaults() {
        return new Tuning(DEFAULT_SPARSE_FROM_SILENT_SHARE, DEFAULT_SPIKE_BATCH_FROM_TOKENS, SpikeTileList.DEFAULT_TILE_TOKENS,
                Int8Weights.DEFAULT_MAX_BLOCK_ROWS, false, false, VendorMath.AUTO, DEFAULT_VENDOR_FROM_TOKENS);
    }

    /** These switches with {@code vendorMath} instead (auto, off, require). */
    public Tuning withVendorMath(VendorMath vendorMath) {
        return new Tuning(sparseFromSilentShare, spikeBatchFromTokens, batchTileTokens, maxBlockRows, batchFloatOnly,
                checkEachLaunch, vendorMath, vendorFromTokens);
    }

    /**
     * The switches from the JVM's system properties ({@link #PROPERTIES}; {@code -Dspikert...=VALUE}), each
     * absent one at its default. A value that does not parse or lies outside its range is an
     * IllegalArgumentException naming the property, the value and the allowed range.
     */
    public static Tuning fromSystemProperties() {
        return fromProperties(System.getProperties());
    }

    /** As {@link #fromSystemProperties()} from {@code properties}. */
    public static Tuning fromProperties(Properties properties) {
        Tuning d = defaults();
        String share = properties.getProperty(SPARSE_FROM_SILENT_SHARE);
        String batchFrom = properties.getProperty(SPIKE_BATCH_FROM_TOKENS);
        String tile = properties.getProperty(BATCH_TILE_TOKENS);
        String block = properties.getProperty(MAX_BLOCK_ROWS);
        String floatOnly = properties.getProperty(BATCH_FLOAT_ONLY);
        String check = properties.getProperty(CHECK_EACH_LAUNCH);
        String vendor = properties.getProperty(VENDOR_MATH);
        String vendorFrom = properties.getProperty(VENDOR_FROM_TOKENS);
        return new Tuning(
                share == null ? d.sparseFromSilentShare : checkShare(parseDouble(SPARSE_FROM_SILENT_SHARE, share, SHARE_RANGE), property(SPARSE_FROM_SILENT_SHARE, share)),
                batchFrom == null ? d.spikeBatchFromTokens : checkBatchFrom(parseInt(SPIKE_BATCH_FROM_TOKENS, batchFrom, BATCH_FROM_RANGE), property(SPIKE_BATCH_FROM_TOKENS, batchFrom)),
                tile == null ? d.batchTileTokens : checkTileTokens(parseInt(BATCH_TILE_TOKENS, tile, tileRange()), property(BATCH_TILE_TOKENS, tile)),
                block == null ? d.maxBlockRows : checkBlockRows(parseInt(MAX_BLOCK_ROWS, block, blockRange()), property(MAX_BLOCK_ROWS, block)),
                floatOnly == null ? d.batchFloatOnly : parseBoolean(BATCH_FLOAT_ONLY, floatOnly),
                check == null ? d.checkEachLaunch : parseBoolean(CHECK_EACH_LAUNCH, check),
                vendor == null ? d.vendorMath : VendorMath.parse(vendor, property(VENDOR_MATH, vendor)),
                vendorFrom == null ? d.vendorFromTokens : checkVendorFrom(parseInt(VENDOR_FROM_TOKENS, vendorFrom, VENDOR_FROM_RANGE), property(VENDOR_FROM_TOKENS, vendorFrom)));
    }

    private static final String SHARE_RANGE = "a number >= 0 (above 1: never)";
    private static final String BATCH_FROM_RANGE = "an integer >= 1 (1 or 2: always batch)";
    private static final String VENDOR_FROM_RANGE = "an integer >= 2";

    private static String tileRange() {
        return "an integer in [1, " + SpikeTileList.MAX_TILE_TOKENS + "]";
    }

    private static String blockRange() {
        return "a positive multiple of Int8Weights.TILE = " + Int8Weights.TILE + " on this CPU";
    }

    private static String property(String name, String value) {
        return "system property " + name + " = \"" + value + "\"";
    }

    private static double checkShare(double v, String what) {
        if (!(v >= 0)) {
            throw new IllegalArgumentException(what + ": " + v + " is not " + SHARE_RANGE);
        }
        return v;
    }

    private static int checkBatchFrom(int v, String what) {
        if (v < 1) {
            throw new IllegalArgumentException(what + ": " + v + " is not " + BATCH_FROM_RANGE);
        }
        return v;
    }

    private static int checkVendorFrom(int v, String what) {
        if (v < 2) {
            throw new IllegalArgumentException(what + ": " + v + " is not " + VENDOR_FROM_RANGE);
        }
        return v;
    }

    private static int checkTileTokens(int v, String what) {
        if (v < 1 || v > SpikeTileList.MAX_TILE_TOKENS) {
            throw new IllegalArgumentException(what + ": " + v + " is not " + tileRange());
        }
        return v;
    }

    /** Checks a block-row count ({@link #maxBlockRows}) where it is passed on its own; the error names {@code what}. */
    public static int checkMaxBlockRows(int v, String what) {
        return checkBlockRows(v, what);
    }

    private static int checkBlockRows(int v, String what) {
        if (v < Int8Weights.TILE || v % Int8Weights.TILE != 0) {
            throw new IllegalArgumentException(what + ": " + v + " is not " + blockRange());
        }
        return v;
    }

    private static double parseDouble(String name, String value, String range) {
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property(name, value) + " is not " + range, e);
        }
    }

    private static int parseInt(String name, String value, String range) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property(name, value) + " is not " + range, e);
        }
    }

    /** "true" or "false" in any case; anything else is an error, not a silent false as Boolean.getBoolean gives. */
    private static boolean parseBoolean(String name, String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(property(name, value) + " is not true or false");
        };
    }
}
