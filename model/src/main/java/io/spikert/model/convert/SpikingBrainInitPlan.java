package io.spikert.model.convert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.kernels.Bf16;
import io.spikert.model.Architecture;
import io.spikert.model.ModelConfig;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --to spikingbrain}: a SpikingBrain ({@code gla_swa}) checkpoint initialised from a Qwen2 one, as the report
 * builds SpikingBrain-7B from Qwen2.5-7B before continued training (section 3.1): every projection of the attention
 * and MLP modules is reused as it is (the q/k/v/o weights and biases of every layer feed its SWA or GLA attention;
 * "we reuse all projection weights in the attention and FFN modules"), as are the embeddings, norms and lm_head, under
 * SpikingBrain's tensor names. Only the GLA layers' new, low-rank parameters are created: the gate
 * {@code gk_proj.0} [16, H] and {@code gk_proj.1} [KV*D, 16] with flash-linear-attention's initialisation of a fresh
 * GLA layer (Xavier-uniform, gain 2^-2.5; zero bias: a decay of exp(logsigmoid(0) / 16) = 0.958 per token), and
 * {@code g_norm} = 1. The report does not publish its initial values for these; the output is an initialisation to
 * train, not a trained model (its GLA layers do not yet approximate the attention they replace).
 */
final class SpikingBrainInitPlan {
    /** flash-linear-attention's gain for a GLA layer's linear weights. */
    static final double GATE_GAIN = Math.pow(2, -2.5);
    /** The seed of the gate weights: fixed, so a conversion is reproducible byte for byte. */
    static final long SEED = 0x5EED_5B1AL;

    private SpikingBrainInitPlan() {
    }

    static Plan build(Source s, int window, String swaLayers) throws IOException {
        ModelConfig c = s.config;
        if (c.architecture() != Architecture.QWEN2 || s.kind != Source.Kind.BASE) {
            throw new ConvertException(s.dir + ": --to spikingbrain converts a Qwen2 checkpoint (model_type qwen2, dense"
                    + " weights); this is a " + c.architecture().displayName() + " " + s.kind.label + " checkpoint");
        }
        if (window < 1 || window > ModelConfig.MAX_SLIDING_WINDOW) {
            throw new ConvertException("--window must be in [1, " + ModelConfig.MAX_SLIDING_WINDOW + "], got " + window);
        }
        BitSet swa = swaLayers(swaLayers, c.numLayers());
        int h = c.hiddenSize();
        int kv = c.kvDim();
        int inter = c.intermediateSize();
        DType dtype = s.floatTensor("model.embed_tokens.weight", c.vocabSize(), h).dtype();
        if (dtype != DType.BF16 && dtype != DType.F32) {
            throw new ConvertException(s.dir + ": --to spikingbrain writes the new gates in the source's dtype, BF16 or F32,"
                    + " not " + dtype);
        }
        List<OutputTensor> out = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        Architecture from = Architecture.QWEN2;
        Architecture to = Architecture.SPIKINGBRAIN;
        out.add(reused(s, taken, from.embeddings(), to.embeddings(), c.vocabSize(), h));
        for (int l = 0; l < c.numLayers(); l++) {
            String qa = from.attention(l);
            String sa = to.attention(l);
            out.add(reused(s, taken, from.attentionNorm(l), to.attentionNorm(l), h));
            out.add(reused(s, taken, qa + "q_proj.weight", sa + "q_proj.weight", h, h));
            out.add(reused(s, taken, qa + "q_proj.bias", sa + "q_proj.bias", h));
            out.add(reused(s, taken, qa + "k_proj.weight", sa + "k_proj.weight", kv, h));
            out.add(reused(s, taken, qa + "k_proj.bias", sa + "k_proj.bias", kv));
            out.add(reused(s, taken, qa + "v_proj.weight", sa + "v_proj.weight", kv, h));
            out.add(reused(s, taken, qa + "v_proj.bias", sa + "v_proj.bias", kv));
            if (!swa.get(l)) {
                int rank = ModelConfig.GATE_LOW_RANK;
                out.add(xavier(sa + "gk_proj.0.weight", dtype, rank, h));
                out.add(xavier(sa + "gk_proj.1.weight", dtype, kv, rank));
                out.add(constant(sa + "gk_proj.1.bias", dtype, 0f, kv));
                out.add(constant(sa + "g_norm.weight", dtype, 1f, c.headDim()));
            }
            out.add(reused(s, taken, qa + "o_proj.weight", sa + "o_proj.weight", h, h));
            out.add(reused(s, taken, from.mlpNorm(l), to.mlpNorm(l), h));
            String mlp = "model.layers." + l + ".mlp.";
            out.add(reused(s, taken, mlp + "gate_proj.weight", mlp + "gate_proj.weight", inter, h));
            out.add(reused(s, taken, mlp + "up_proj.weight", mlp + "up_proj.weight", inter, h));
            out.add(reused(s, taken, mlp + "down_proj.weight", mlp + "down_proj.weight", h, inter));
        }
        out.add(reused(s, taken, "model.norm.weight", "model.norm.weight", h));
        boolean tied = !s.checkpoint.contains("lm_head.weight");
        if (tied && !c.tieWordEmbeddings()) {
            throw new ConvertException(s.dir + ": no lm_head.weight, and config.json does not tie it to the embeddings");
        }
        if (!tied) {
            out.add(reused(s, taken, "lm_head.weight", "lm_head.weight", c.vocabSize(), h));
        }
        if (!taken.containsAll(s.checkpoint.names())) {
            var unknown = new java.util.TreeSet<>(s.checkpoint.names());
            unknown.removeAll(taken);
            throw new ConvertException(s.dir + ": tensors a Qwen2 checkpoint does not have: " + unknown);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("spikert.converted_from", "qwen2");
        meta.put("spikert.initialisation", "SpikingBrain from Qwen2 (report section 3.1): projections, embeddings and"
                + " norms reused; GLA gates Xavier-uniform (gain 2^-2.5, seed " + SEED + "), zero gate bias, g_norm 1;"
                + " not trained");
        return new Plan(out, meta, List.of("note: this is an initialisation for continued training, not a trained"
                + " SpikingBrain model: its " + (c.numLayers() - swa.cardinality()) + " GLA layers start from untrained"
                + " gates and do not yet approximate the attention they replace, so its text is not meaningful"),
                config(s, c, window, swa, tied));
    }

    /** "odd" (SpikingBrain-7B's layout), "all", "none", or a comma-separated list of layer indices. */
    static BitSet swaLayers(String spec, int layers) throws ConvertException {
        BitSet out = new BitSet(layers);
        switch (spec.trim()) {
            case "odd" -> {
                for (int l = 1; l < layers; l += 2) {
                    out.set(l);
                }
            }
            case "all" -> out.set(0, layers);
            case "none" -> { }
            default -> {
                for (String part : spec.split(",")) {
                    int l;
                    try {
                        l = Integer.parseInt(part.trim());
                    } catch (NumberFormatException e) {
                        throw new ConvertException("--swa-layers: \"" + part.trim() + "\" is not a layer index (or use odd, all, none)");
                    }
                    if (l < 0 || l >= layers) {
                        throw new ConvertException("--swa-layers: layer " + l + " is not in [0, " + layers + ")");
                    }
                    out.set(l);
                }
            }
        }
        return out;
    }

    private static ObjectNode config(Source s, ModelConfig c, int window, BitSet swa, boolean tied) throws IOException {
        ObjectNode q = (ObjectNode) new ObjectMapper().readTree(s.dir.resolve("config.json").toFile());
        ObjectNode out = SyntheticCheckpoint.config(new SyntheticCheckpoint.Dims(c.vocabSize(), c.hiddenSize(),
                c.numLayers(), c.numHeads(), c.numKvHeads(), c.intermediateSize(), window));
        var attn = out.putArray("attn_layers");
        swa.stream().forEach(attn::add);
        out.put("rope_theta", c.ropeTheta());
        out.put("norm_eps", c.normEps());
        out.put("tie_word_embeddings", tied);
        for (String key : new String[] {"bos_token_id", "eos_token_id", "max_position_embeddings", "torch_dtype"}) {
            if (q.has(key)) {
                out.set(key, q.get(key));
            } else {
                out.remove(key);
            }
        }
        return out;
    }

    /** Qwen2's tensor {@code from} as SpikingBrain's {@code to}, bytes unchanged; {@code from} is added to {@code taken}. */
    private static OutputTensor reused(Source s, Set<String> taken, String from, String to, long... shape) throws IOException {
        Tensor t = s.floatTensor(from, shape);
        taken.add(from);
        return new OutputTensor(to, t.dtype(), t.shape(), Streams.copy(t));
    }

    private static OutputTensor constant(String name, DType dtype, float v, long n) {
        return new OutputTensor(name, dtype, new long[] {n}, values(dtype, n, i -> v));
    }

    /** Uniform in +-gain * sqrt(6 / (fanIn + fanOut)), from a counter-based generator (re-run for verification). */
    private static OutputTensor xavier(String name, DType dtype, int out, int in) {
        double bound = GATE_GAIN * Math.sqrt(6.0 / (in + out));
        long stream = SEED ^ name.hashCode() * 0x9E3779B97F4A7C15L;
        return new OutputTensor(name, dtype, new long[] {out, in}, values(dtype, (long) out * in,
                i -> (float) (bound * (2 * unit(stream, i) - 1))));
    }

    private static io.spikert.model.checkpoint.SafetensorsWriter.ByteSource values(DType dtype, long n, Streams.FloatAt f) {
        return switch (dtype) {
            case F32 -> Streams.f32(n, f);
            case BF16 -> Streams.ints(n, 2, i -> Bf16.bits(f.at(i)));
            default -> throw new IllegalArgumentException("BF16 or F32, not " + dtype);
        };
    }

    /** A uniform double in [0, 1) for element i of a stream (splitmix64's finaliser). */
    private static double unit(long stream, long i) {
        long z = stream + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }
}
