package io.spikert.model.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.model.Architecture;
import io.spikert.model.ModelConfig;
import io.spikert.model.ModelVariant;
import io.spikert.model.checkpoint.SafetensorsWriter;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;
import io.spikert.runtime.DType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.zip.GZIPInputStream;

/**
 * Writes a SpikingBrain checkpoint with deterministic synthetic weights in the published layout:
 * the published {@code config.json} keys with chosen dimensions, the published tensor names, one
 * safetensors file, and the real Qwen2.5 tokenizer files. The weights are random, so the text it
 * generates is meaningless; it exists to exercise the real loaders and kernels at any size.
 */
public final class SyntheticCheckpoint {
    private static final String PUBLISHED = "/io/spikert/model/published/";
    private static final String[] TOKENIZER_FILES = {
        "vocab.json.gz", "merges.txt.gz", "tokenizer_config.json", "added_tokens.json",
        "special_tokens_map.json", "generation_config.json"};

    /**
     * Dimensions of a synthetic model; {@link #SEVEN_B} is the published shape. {@code window} is SpikingBrain's
     * sliding window, and a Qwen2 model's context limit ({@code max_position_embeddings}).
     */
    public record Dims(int vocab, int hidden, int layers, int heads, int kvHeads, int intermediate, int window) {
        public static final Dims SEVEN_B = new Dims(152064, 3584, 28, 28, 4, 18944, 4096);
        /** Small enough to write and run in seconds on two cores, with the real tokenizer's vocabulary. */
        public static final Dims DEMO = new Dims(152064, 256, 6, 4, 2, 768, 64);

        /** The same dimensions with another window (Qwen2: context limit). */
        public Dims withWindow(int w) {
            return new Dims(vocab, hidden, layers, heads, kvHeads, intermediate, w);
        }
    }

    /**
     * What the raw fp32 tensors of a synthetic W8ASpike checkpoint hold. The published files do not say
     * how they were exported, and the runtime's exact narrowing (BF16 values, INT8 codes) depends on it.
     */
    public enum RawValues {
        /** Arbitrary fp32 values: nothing narrower holds them. */
        FP32,
        /** BF16 values widened to fp32, as a W8ASpike model quantised from the BF16 base would store them. */
        BF16,
        /** As BF16, and each down_proj weight is exactly code * scale with its stored scales (a fake-quantised export). */
        BF16_AND_DOWN_CODES
    }

    private SyntheticCheckpoint() {}

    /** The published config.json with the given dimensions (odd layers SWA, as published). */
    public static ObjectNode config(Dims d) throws IOException {
        return config(d, Architecture.SPIKINGBRAIN);
    }

    /**
     * The published config.json of the architecture with the given dimensions: SpikingBrain-7B's (odd layers SWA),
     * or Qwen2.5-7B-Instruct's, whose {@code max_position_embeddings} (the context limit) is {@code d.window()}.
     */
    public static ObjectNode config(Dims d, Architecture arch) throws IOException {
        ObjectNode c;
        try (InputStream in = arch == Architecture.QWEN2 ? qwen2ConfigResource() : resource("config.json")) {
            c = (ObjectNode) new ObjectMapper().readTree(in);
        }
        c.put("vocab_size", d.vocab());
        c.put("hidden_size", d.hidden());
        c.put("num_hidden_layers", d.layers());
        c.put("num_attention_heads", d.heads());
        c.put("num_key_value_heads", d.kvHeads());
        c.put("intermediate_size", d.intermediate());
        // The published bos/eos ids (151643, 151645) are no tokens of a smaller vocabulary: such a config names none.
        for (String key : new String[] {"bos_token_id", "eos_token_id"}) {
            if (c.path(key).asLong(-1) >= d.vocab()) {
                c.remove(key);
            }
        }
        if (arch == Architecture.QWEN2) {
            c.put("max_position_embeddings", d.window());
            c.put("max_window_layers", d.layers());
            return c;
        }
        c.put("sliding_window", d.window());
        var attn = c.putArray("attn_layers");
        for (int l = 1; l < d.layers(); l += 2) {
            attn.add(l);
        }
        return c;
    }

    /**
     * Writes config, tokenizer and {@code model.safetensors} into {@code dir} (created if needed).
     * {@code progress} receives the number of weight bytes written so far.
     */
    public static void write(Path dir, Dims d, DType dtype, long seed, LongConsumer progress) throws IOException {
        write(dir, d, dtype, seed, progress, true);
    }

    /** Like {@link #write(Path, Dims, DType, long, LongConsumer)}; without the tokenizer files when {@code withTokenizer} is false. */
    public static void write(Path dir, Dims d, DType dtype, long seed, LongConsumer progress, boolean withTokenizer)
            throws IOException {
        write(dir, d, ModelVariant.BASE, dtype, seed, progress, withTokenizer);
    }

    /**
     * Writes a checkpoint of either published layout. W8ASpike is written as published: F32 weights, a
     * full-rank gk_proj, and {@code weight_quantizer.scales} [out, in/128, 1] set just below absmax/127
     * so that about 0.6% of the codes fall outside [-127, 127], as in the published checkpoint.
     */
    public static void write(Path dir, Dims d, ModelVariant variant, DType dtype, long seed, LongConsumer progress,
                             boolean withTokenizer) throws IOException {
        write(dir, d, variant, RawValues.FP32, dtype, seed, progress, withTokenizer);
    }

    /** As above; {@code raw} chooses what a W8ASpike checkpoint's fp32 tensors hold (ignored for the base layout). */
    public static void write(Path dir, Dims d, ModelVariant variant, RawValues raw, DType dtype, long seed,
                             LongConsumer progress, boolean withTokenizer) throws IOException {
        write(dir, d, Architecture.SPIKINGBRAIN, variant, raw, dtype, seed, progress, withTokenizer);
    }

    /**
     * A Qwen2 checkpoint in Qwen2.5-7B-Instruct's layout (its config and tensor names, untied lm_head), its context
     * limit {@code d.window()}: the other side of the long-context comparison, at any shape.
     */
    public static void writeQwen2(Path dir, Dims d, DType dtype, long seed, LongConsumer progress, boolean withTokenizer)
            throws IOException {
        write(dir, d, Architecture.QWEN2, ModelVariant.BASE, RawValues.FP32, dtype, seed, progress, withTokenizer);
    }

    private static void write(Path dir, Dims d, Architecture arch, ModelVariant variant, RawValues raw, DType dtype,
                              long seed, LongConsumer progress, boolean withTokenizer) throws IOException {
        if (arch == Architecture.QWEN2 && variant != ModelVariant.BASE) {
            throw new IllegalArgumentException("Qwen2 is published with dense weights only, not " + variant);
        }
        if (dtype != DType.BF16 && dtype != DType.F32) {
            throw new IllegalArgumentException("synthetic weights are BF16 or F32, not " + dtype);
        }
        if (variant == ModelVariant.W8ASPIKE && (d.hidden() % W8ASpikeFormat.GROUP != 0 || d.intermediate() % W8ASpikeFormat.GROUP != 0)) {
            throw new IllegalArgumentException("a W8ASpike checkpoint needs hidden and intermediate sizes that are multiples of "
                    + W8ASpikeFormat.GROUP + ", got " + d.hidden() + " and " + d.intermediate());
        }
        Files.createDirectories(dir);
        ObjectNode config = config(d, arch);
        config.put("torch_dtype", dtype == DType.BF16 ? "bfloat16" : "float32");
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        if (withTokenizer) {
            copyTokenizer(dir);
        }

        var writer = new SafetensorsWriter();
        writer.putMetadata("format", "pt");
        writer.putMetadata("spikert.synthetic", "seed=" + seed
                + (variant == ModelVariant.W8ASPIKE ? ", raw values " + raw.name().toLowerCase() : ""));
        long[] written = {0};
        int[] index = {0};
        for (Spec s : specs(d, arch, variant, raw)) {
            long stream = seed * 1_000_003L + index[0]++;
            writer.add(s.name, dtype, s.shape, out -> {
                long n = 1;
                for (long x : s.shape) {
                    n *= x;
                }
                ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < n; i++) {
                    float v = s.value(stream, i);
                    if (dtype == DType.BF16) {
                        buf.putShort(toBf16(v));
                    } else {
                        buf.putFloat(v);
                    }
                    if (!buf.hasRemaining()) {
                        written[0] += drain(buf, out);
                        progress.accept(written[0]);
                    }
                }
                written[0] += drain(buf, out);
                progress.accept(written[0]);
            });
        }
        Path tmp = dir.resolve("model.safetensors.partial");
        writer.write(tmp);
        Files.move(tmp, dir.resolve("model.safetensors"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static int drain(ByteBuffer buf, java.nio.channels.WritableByteChannel out) {
        buf.flip();
        int n = buf.remaining();
        try {
            while (buf.hasRemaining()) {
                out.write(buf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buf.clear();
        return n;
    }

    /** Round to nearest even, as torch's float-to-bfloat16 conversion does. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    private static void copyTokenizer(Path dir) throws IOException {
        for (String f : TOKENIZER_FILES) {
            try (InputStream raw = resource(f); InputStream in = f.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
                Files.copy(in, dir.resolve(f.endsWith(".gz") ? f.substring(0, f.length() - 3) : f),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static InputStream qwen2ConfigResource() throws IOException {
        InputStream in = SyntheticCheckpoint.class.getResourceAsStream("/io/spikert/model/qwen2.5-7b-instruct-config.json");
        if (in == null) {
            throw new IOException("missing bundled resource qwen2.5-7b-instruct-config.json (is the model jar complete?)");
        }
        return in;
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = SyntheticCheckpoint.class.getResourceAsStream(PUBLISHED + name);
        if (in == null) {
            throw new IOException("missing bundled resource " + PUBLISHED + name + " (is the model jar complete?)");
        }
        return in;
    }

    /** Names and shapes of every tensor of a model of dimensions {@code d}, in file order. */
    public static java.util.SequencedMap<String, long[]> tensorShapes(Dims d) {
        return tensorShapes(d, ModelVariant.BASE);
    }

    /** Names and shapes of every tensor of the given layout, in file order. */
    public static java.util.SequencedMap<String, long[]> tensorShapes(Dims d, ModelVariant variant) {
        return tensorShapes(d, Architecture.SPIKINGBRAIN, variant);
    }

    /** Names and shapes of every tensor of the given architecture and layout, in file order. */
    public static java.util.SequencedMap<String, long[]> tensorShapes(Dims d, Architecture arch, ModelVariant variant) {
        var out = new java.util.LinkedHashMap<String, long[]>();
        for (Spec s : specs(d, arch, variant, RawValues.FP32)) {
            out.put(s.name, s.shape.clone());
        }
        return out;
    }

    /**
     * How one tensor's values are drawn: uniform in [center - halfWidth, center + halfWidth], then rounded to
     * a BF16 value when {@code bf16Values}, then to a multiple code * codeScale when {@code codeScale > 0}.
     */
    private record Spec(String name, long[] shape, float center, float halfWidth, boolean bf16Values, float codeScale) {
        Spec(String name, long[] shape, float center, float halfWidth) {
            this(name, shape, center, halfWidth, false, 0f);
        }

        Spec rounded(boolean toBf16, float scale) {
            return new Spec(name, shape, center, halfWidth, toBf16, scale);
        }

        float value(long stream, long i) {
            long z = mix(stream * 0x9E3779B97F4A7C15L + i);
            double u = (z >>> 11) * 0x1.0p-53 * 2 - 1; // uniform in [-1, 1)
            float v = (float) (center + halfWidth * u);
            if (bf16Values) {
                v = Float.intBitsToFloat(toBf16(v) << 16);
            }
            if (codeScale > 0) {
                v = (float) Math.rint(v / codeScale) * codeScale;
            }
            return v;
        }
    }

    /** splitmix64's finaliser: a counter-based generator, so any element can be produced independently. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static List<Spec> specs(Dims d, Architecture arch, ModelVariant variant, RawValues raw) {
        boolean w8 = variant == ModelVariant.W8ASPIKE;
        List<Spec> specs = specs(d, arch, w8);
        if (!w8 || raw == RawValues.FP32) {
            return specs;
        }
        List<Spec> out = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            boolean downCodes = raw == RawValues.BF16_AND_DOWN_CODES && s.name().endsWith("mlp.down_proj.weight");
            // the scales tensor follows its weight; one value per tensor (uniform weights, one absmax)
            boolean scales = s.name().endsWith(W8ASpikeFormat.SCALES); // calibrated fp32, as published
            out.add(scales ? s : s.rounded(true, downCodes ? specs.get(i + 1).center() : 0f));
        }
        return out;
    }

    private static List<Spec> specs(Dims d, Architecture arch, boolean w8) {
        int kvDim = d.kvHeads() * (d.hidden() / d.heads());
        int headDim = d.hidden() / d.heads();
        boolean qwen2 = arch == Architecture.QWEN2;
        List<Spec> s = new ArrayList<>();
        s.add(linear(arch.embeddings(), d.vocab(), d.hidden(), 1f));
        for (int l = 0; l < d.layers(); l++) {
            String p = "model.layers." + l + ".";
            String a = arch.attention(l);
            s.add(new Spec(arch.attentionNorm(l), new long[] {d.hidden()}, 1f, 0.1f));
            quantLinear(s, w8, a + "q_proj", d.hidden(), d.hidden());
            s.add(bias(a + "q_proj.bias", d.hidden()));
            quantLinear(s, w8, a + "k_proj", kvDim, d.hidden());
            s.add(bias(a + "k_proj.bias", kvDim));
            quantLinear(s, w8, a + "v_proj", kvDim, d.hidden());
            s.add(bias(a + "v_proj.bias", kvDim));
            if (l % 2 == 0 && !qwen2) {
                if (w8) {
                    quantLinear(s, true, a + "gk_proj", kvDim, d.hidden());
                    s.add(new Spec(a + "gk_proj.bias", new long[] {kvDim}, 2f, 1f));
                } else {
                    s.add(linear(a + "gk_proj.0.weight", ModelConfig.GATE_LOW_RANK, d.hidden(), 0));
                    s.add(linear(a + "gk_proj.1.weight", kvDim, ModelConfig.GATE_LOW_RANK, 0));
                    s.add(new Spec(a + "gk_proj.1.bias", new long[] {kvDim}, 2f, 1f));
                }
                s.add(new Spec(a + "g_norm.weight", new long[] {headDim}, 1f, 0.1f));
            }
            quantLinear(s, w8, a + "o_proj", d.hidden(), d.hidden());
            s.add(new Spec(arch.mlpNorm(l), new long[] {d.hidden()}, 1f, 0.1f));
            quantLinear(s, w8, p + "mlp.gate_proj", d.intermediate(), d.hidden());
            quantLinear(s, w8, p + "mlp.up_proj", d.intermediate(), d.hidden());
            quantLinear(s, w8, p + "mlp.down_proj", d.hidden(), d.intermediate());
        }
        s.add(new Spec("model.norm.weight", new long[] {d.hidden()}, 1f, 0.1f));
        s.add(linear("lm_head.weight", d.vocab(), d.hidden(), 0));
        return s;
    }

    /** A linear weight, and in W8ASpike its group scales: 0.994 of the uniform range over 127. */
    private static void quantLinear(List<Spec> s, boolean w8, String prefix, int out, int in) {
        Spec w = linear(prefix + ".weight", out, in, 0);
        s.add(w);
        if (w8) {
            s.add(new Spec(prefix + W8ASpikeFormat.SCALES, new long[] {out, in / W8ASpikeFormat.GROUP, 1},
                    w.halfWidth() * 0.994f / 127, 0f));
        }
    }

    /** Uniform with standard deviation 1/sqrt(in) (or {@code std} when given), so activations keep their scale. */
    private static Spec linear(String name, int out, int in, float std) {
        float sd = std > 0 ? std : (float) (1 / Math.sqrt(in));
        return new Spec(name, new long[] {out, in}, 0f, (float) (sd * Math.sqrt(3)));
    }

    private static Spec bias(String name, int n) {
        return new Spec(name, new long[] {n}, 0f, 0.1f);
    }
}
