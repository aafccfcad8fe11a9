#!/usr/bin/env python3
"""Independent float64 reference of the Qwen2 forward pass (model_type "qwen2").

Written from the Qwen2 architecture as docs/MODEL.md section 8 states it (Hugging Face's
Qwen2ForCausalLM: pre-norm decoder layers, full causal softmax attention with q/k/v biases and
grouped kv heads, rotate-half RoPE, SwiGLU MLP, RMSNorm), no library code. It does not share code
with spikingbrain_ref.py, and unlike the runtime (which caches keys and runs chunk by chunk) it
computes the whole sequence at once with a causal mask, so the two formulations check each other.

    forward(weights, config, ids, kv_round=None) -> logits [T, V] float64

kv_round, when given, maps keys (after RoPE) and values before attention sees them: the BF16 key/value
cache is bf16_cache (each value as the runtime computes it in float32, then rounded to BF16, ties to even).

RoPE follows the runtime's stated convention (MODEL.md section 3): inv_freq computed in float64 and
rounded to float32, the angle position * inv_freq rounded to float32, cos and sin in float64.
"""
import numpy as np


def _w(weights, name):
    try:
        return np.asarray(weights[name], dtype=np.float64)
    except KeyError:
        raise KeyError(f"missing tensor {name!r}") from None


def rms_norm(x, weight, eps):
    variance = np.mean(x * x, axis=-1, keepdims=True)
    return x / np.sqrt(variance + eps) * weight


def rope_tables(n_positions, head_dim, theta):
    exponents = np.arange(0, head_dim, 2, dtype=np.float64) / head_dim
    inv_freq = (1.0 / np.power(theta, exponents)).astype(np.float32)
    positions = np.arange(n_positions, dtype=np.float32)
    angles = np.outer(positions, inv_freq).astype(np.float32).astype(np.float64)   # [T, D/2]
    return np.cos(angles), np.sin(angles)


def rotate(x, cos, sin):
    """x: [T, heads, D]; cos, sin: [T, D/2]. Rotate-half: pairs (i, i + D/2)."""
    half = x.shape[-1] // 2
    c, s = cos[:, None, :], sin[:, None, :]
    first, second = x[..., :half], x[..., half:]
    return np.concatenate([first * c - second * s, second * c + first * s], axis=-1)


def bf16_cache(x):
    """float64 -> float32 -> nearest BF16 (ties to even), back as float64: what a BF16 cache holds."""
    b = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    b = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint32) << 16
    return b.astype(np.uint32).view(np.float32).astype(np.float64)


def causal_attention(q, k, v, group):
    """q: [T, heads, D], k, v: [T, kv_heads, D] -> [T, heads, D]; query t sees keys 0..t."""
    T, heads, D = q.shape
    out = np.empty_like(q)
    future = np.triu(np.ones((T, T), dtype=bool), k=1)
    for n in range(heads):
        kv = n // group
        scores = (q[:, n, :] @ k[:, kv, :].T) / np.sqrt(D)
        scores[future] = -np.inf
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=1, keepdims=True)
        out[:, n, :] = p @ v[:, kv, :]
    return out


def forward(weights, config, ids, kv_round=None):
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    kv_heads = int(config.get("num_key_value_heads", heads))
    head_dim = hidden // heads
    eps = float(config.get("rms_norm_eps", 1e-6))
    theta = float(config.get("rope_theta", 10000.0))
    T = len(ids)

    embed = _w(weights, "model.embed_tokens.weight")
    x = embed[np.asarray(ids, dtype=np.int64)]                      # [T, hidden]
    cos, sin = rope_tables(T, head_dim, theta)
    for layer in range(int(config["num_hidden_layers"])):
        p = f"model.layers.{layer}."
        a = p + "self_attn."
        h = rms_norm(x, _w(weights, p + "input_layernorm.weight"), eps)
        q = (h @ _w(weights, a + "q_proj.weight").T + _w(weights, a + "q_proj.bias")).reshape(T, heads, head_dim)
        k = (h @ _w(weights, a + "k_proj.weight").T + _w(weights, a + "k_proj.bias")).reshape(T, kv_heads, head_dim)
        v = (h @ _w(weights, a + "v_proj.weight").T + _w(weights, a + "v_proj.bias")).reshape(T, kv_heads, head_dim)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        if kv_round is not None:
            k, v = kv_round(k), kv_round(v)
        attn = causal_attention(q, k, v, heads // kv_heads).reshape(T, hidden)
        x = x + attn @ _w(weights, a + "o_proj.weight").T
        h = rms_norm(x, _w(weights, p + "post_attention_layernorm.weight"), eps)
        gate = h @ _w(weights, p + "mlp.gate_proj.weight").T
        up = h @ _w(weights, p + "mlp.up_proj.weight").T
        x = x + (gate / (1.0 + np.exp(-gate)) * up) @ _w(weights, p + "mlp.down_proj.weight").T
    head = _w(weights, "lm_head.weight") if "lm_head.weight" in weights else embed
    return rms_norm(x, _w(weights, "model.norm.weight"), eps) @ head.T
