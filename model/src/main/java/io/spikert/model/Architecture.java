package io.spikert.model;

/**
 * The model families SpikeRT runs over the one forward pass of {@link SpikingBrainModel}, by their config's
 * {@code model_type}: SpikingBrain ({@code gla_swa}: GLA layers and sliding-window attention layers, MODEL.md)
 * and Qwen2 ({@code qwen2}: the transformer SpikingBrain was converted from, every layer full softmax attention;
 * MODEL.md section 8). Both have the same decoder layer (RMSNorm, attention, RMSNorm, SwiGLU MLP), the same
 * attention with q/k/v biases, grouped kv heads and rotate-half RoPE, and the same tokenizer; they differ in
 * their tensor names, in which layers are linear attention, and in how far back a query sees.
 */
public enum Architecture {
    SPIKINGBRAIN("gla_swa", "model.embeddings.weight", "attn.", "attn_norm.weight", "mlp_norm.weight", "norm_eps"),
    QWEN2("qwen2", "model.embed_tokens.weight", "self_attn.", "input_layernorm.weight", "post_attention_layernorm.weight",
            "rms_norm_eps");

    private final String modelType;
    private final String embeddings;
    private final String attention;
    private final String attentionNorm;
    private final String mlpNorm;
    private final String normEpsKey;

    Architecture(String modelType, String embeddings, String attention, String attentionNorm, String mlpNorm,
                 String normEpsKey) {
        this.modelType = modelType;
        this.embeddings = embeddings;
        this.attention = attention;
        this.attentionNorm = attentionNorm;
        this.mlpNorm = mlpNorm;
        this.normEpsKey = normEpsKey;
    }

    /** The config's {@code model_type}. */
    public String modelType() {
        return modelType;
    }

    /** The architecture of a {@code model_type}, or null for one SpikeRT does not run. */
    public static Architecture of(String modelType) {
        for (Architecture a : values()) {
            if (a.modelType.equals(modelType)) {
                return a;
            }
        }
        return null;
    }

    /** The embedding table's tensor name. */
    public String embeddings() {
        return embeddings;
    }

    /** Prefix of layer {@code l}'s attention tensors ({@code q_proj.weight} and so on follow it). */
    public String attention(int l) {
        return "model.layers." + l + "." + attention;
    }

    /** Layer {@code l}'s RMSNorm weight before attention. */
    public String attentionNorm(int l) {
        return "model.layers." + l + "." + attentionNorm;
    }

    /** Layer {@code l}'s RMSNorm weight before the MLP. */
    public String mlpNorm(int l) {
        return "model.layers." + l + "." + mlpNorm;
    }

    /** The config key of the RMSNorm epsilon. */
    String normEpsKey() {
        return normEpsKey;
    }

    /** "SpikingBrain (gla_swa)". */
    public String displayName() {
        return (this == SPIKINGBRAIN ? "SpikingBrain" : "Qwen2") + " (" + modelType + ")";
    }
}
