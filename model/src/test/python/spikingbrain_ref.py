#!/usr/bin/env python3
"""Independent float64 reference of the SpikingBrain-7B base forward pass.

Written from docs/MODEL.md sections 1-3 only (no library code): it is the
oracle the Java runtime is tested against, so it is deliberately plain and slow.

    forward(weights, config, ids) -> (logits [T, V] float64, [x after layer L for each L])

Token by token, recurrent GLA form (the form decode uses), SWA over a window of W+1 keys.
`python3 spikingbrain_ref.py --selftest` checks the chunked GLA formula of MODEL.md and a
whole-sequence (masked, parallel) formulation of the model against this recurrent one.
"""
import sys

import numpy as np

GATE_LOW_RANK = 16      # MODEL.md section 1: not in the config
GATE_NORMALIZER = 16.0


def _w(weights, name):
    try:
        return np.asarray(weights[name], dtype=np.float64)
    except KeyError:
        raise KeyError(f"missing tensor {name!r}") from None


def rmsnorm(x, w, eps):
    x = np.asarray(x, dtype=np.float64)
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def silu(x):
    return x / (1.0 + np.exp(-x))


def logsigmoid(x):
    # log(1/(1+e^-x)) without overflow for large |x|
    return -np.logaddexp(0.0, -x)


def attn_layer_set(config):
    n = config["num_hidden_layers"]
    layers = config.get("attn_layers")
    if layers is None:
        layers = list(range(1, n, 2))
    return set(int(i) for i in layers)


def rope_inv_freq(theta, head_dim):
    # float64 arithmetic, then rounded to float32 (the convention the runtime follows)
    i2 = np.arange(0, head_dim, 2, dtype=np.float64)
    return (1.0 / theta ** (i2 / head_dim)).astype(np.float32)


def rope_cos_sin(position, inv_freq):
    angle = (np.float32(position) * inv_freq).astype(np.float32)   # float32 product
    a = angle.astype(np.float64)
    return np.cos(a), np.sin(a)


def apply_rope(x, cos, sin):
    """Rotate-half RoPE on the last axis (size D) of x: [..., D]; cos, sin: [..., D/2]."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)


class Dims:
    def __init__(self, config):
        self.H = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.kv_heads = int(config["num_key_value_heads"])
        self.D = self.H // self.heads
        self.group = self.heads // self.kv_heads
        self.eps = float(config["norm_eps"])
        self.W = int(config["sliding_window"])
        self.theta = float(config["rope_theta"])
        if self.D * self.heads != self.H or self.group * self.kv_heads != self.heads:
            raise ValueError(f"inconsistent head layout: H={self.H} heads={self.heads} kv={self.kv_heads}")


class GlaLayer:
    """Gated linear attention, recurrent form; one D x D state per kv head."""

    def __init__(self, weights, prefix, dims):
        p = prefix + "attn."
        self.d = dims
        self.wq, self.bq = _w(weights, p + "q_proj.weight"), _w(weights, p + "q_proj.bias")
        self.wk, self.bk = _w(weights, p + "k_proj.weight"), _w(weights, p + "k_proj.bias")
        self.wv, self.bv = _w(weights, p + "v_proj.weight"), _w(weights, p + "v_proj.bias")
        self.w0 = _w(weights, p + "gk_proj.0.weight")
        self.w1, self.b1 = _w(weights, p + "gk_proj.1.weight"), _w(weights, p + "gk_proj.1.bias")
        self.wo = _w(weights, p + "o_proj.weight")
        self.gnorm = _w(weights, p + "g_norm.weight")
        self.S = np.zeros((dims.kv_heads, dims.D, dims.D))

    def step(self, h):
        d = self.d
        q = np.maximum(self.wq @ h + self.bq, 0.0).reshape(d.heads, d.D)
        k = np.maximum(self.wk @ h + self.bk, 0.0).reshape(d.kv_heads, d.D)
        v = (self.wv @ h + self.bv).reshape(d.kv_heads, d.D)
        g = (logsigmoid(self.w1 @ (self.w0 @ h) + self.b1) / GATE_NORMALIZER).reshape(d.kv_heads, d.D)
        for j in range(d.kv_heads):
            # decay first (rows = key dims), then add the outer product k^T v
            self.S[j] = np.exp(g[j])[:, None] * self.S[j] + np.outer(k[j], v[j])
        scale = d.D ** -0.5
        o = np.empty((d.heads, d.D))
        for n in range(d.heads):
            o[n] = (q[n] * scale) @ self.S[n // d.group]
        o = rmsnorm(o, self.gnorm, d.eps)            # over D, per head
        return self.wo @ o.reshape(-1)


class SwaLayer:
    """Sliding-window softmax attention with rotate-half RoPE; keys cached after RoPE."""

    def __init__(self, weights, prefix, dims):
        p = prefix + "attn."
        self.d = dims
        self.wq, self.bq = _w(weights, p + "q_proj.weight"), _w(weights, p + "q_proj.bias")
        self.wk, self.bk = _w(weights, p + "k_proj.weight"), _w(weights, p + "k_proj.bias")
        self.wv, self.bv = _w(weights, p + "v_proj.weight"), _w(weights, p + "v_proj.bias")
        self.wo = _w(weights, p + "o_proj.weight")
        self.inv_freq = rope_inv_freq(dims.theta, dims.D)
        self.keys, self.values = [], []   # full history; the window is applied at read time

    def step(self, h, pos):
        d = self.d
        q = (self.wq @ h + self.bq).reshape(d.heads, d.D)
        k = (self.wk @ h + self.bk).reshape(d.kv_heads, d.D)
        v = (self.wv @ h + self.bv).reshape(d.kv_heads, d.D)
        cos, sin = rope_cos_sin(pos, self.inv_freq)        # [D/2] each
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        self.keys.append(k)
        self.values.append(v)
        lo = max(0, pos - d.W)                            # W+1 keys: positions lo..pos
        K = np.stack(self.keys[lo: pos + 1])              # [n, kv, D]
        V = np.stack(self.values[lo: pos + 1])
        scale = d.D ** -0.5
        o = np.empty((d.heads, d.D))
        for n in range(d.heads):
            j = n // d.group
            s = (K[:, j, :] @ q[n]) * scale
            s = np.exp(s - s.max())
            o[n] = (s / s.sum()) @ V[:, j, :]
        return self.wo @ o.reshape(-1)


def forward(weights, config, ids):
    """Logits [T, V] (float64) and the hidden state x after each layer ([T, H] each)."""
    dims = Dims(config)
    n_layers = int(config["num_hidden_layers"])
    swa = attn_layer_set(config)
    emb = _w(weights, "model.embeddings.weight")
    layers = []
    for L in range(n_layers):
        prefix = f"model.layers.{L}."
        attn = SwaLayer(weights, prefix, dims) if L in swa else GlaLayer(weights, prefix, dims)
        mlp = (_w(weights, prefix + "attn_norm.weight"), _w(weights, prefix + "mlp_norm.weight"),
               _w(weights, prefix + "mlp.gate_proj.weight"), _w(weights, prefix + "mlp.up_proj.weight"),
               _w(weights, prefix + "mlp.down_proj.weight"))
        layers.append((L in swa, attn, mlp))
    final_norm, lm_head = _w(weights, "model.norm.weight"), _w(weights, "lm_head.weight")

    T = len(ids)
    logits = np.empty((T, lm_head.shape[0]))
    hidden = [np.empty((T, dims.H)) for _ in range(n_layers)]
    for pos, tok in enumerate(ids):
        x = emb[int(tok)].copy()
        for L, (is_swa, attn, (attn_norm, mlp_norm, wg, wu, wd)) in enumerate(layers):
            h = rmsnorm(x, attn_norm, dims.eps)
            a = attn.step(h, pos) if is_swa else attn.step(h)
            r = x + a
            h = rmsnorm(r, mlp_norm, dims.eps)
            x = r + wd @ (silu(wg @ h) * (wu @ h))
            hidden[L][pos] = x
        logits[pos] = lm_head @ rmsnorm(x, final_norm, dims.eps)
    return logits, hidden


# ----------------------------------------------------------------------------- self-test

def gla_recurrent(q, k, v, g, S0, scale):
    """One head: q,k,g [T,Dk], v [T,Dv], S0 [Dk,Dv] -> o [T,Dv]."""
    S = S0.copy()
    out = np.empty((q.shape[0], v.shape[1]))
    for t in range(q.shape[0]):
        S = np.exp(g[t])[:, None] * S + np.outer(k[t], v[t])
        out[t] = (q[t] * scale) @ S
    return out


def gla_chunked(q, k, v, g, S0, scale):
    """MODEL.md: b_t = cumsum g; o_t = scale sum_{s<=t} ((q_t e^{b_t-b_s}) . k_s) v_s + scale (q_t e^{b_t}) S_0."""
    b = np.cumsum(g, axis=0)
    T = q.shape[0]
    A = np.empty((T, T))
    for t in range(T):
        A[t] = ((q[t] * np.exp(b[t] - b)) * k).sum(axis=1)
    A = np.tril(A)
    return scale * (A @ v) + scale * (q * np.exp(b)) @ S0


def bf16_activation(a):
    """An activation as the runtime's --precision bf16 feeds it to a product: the FP32 value the runtime holds
    (here the float64 value rounded to float32), rounded to the nearest BF16 value, ties to even."""
    bits = np.asarray(a, dtype=np.float64).astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    return rounded.astype(np.uint32).view(np.float32).astype(np.float64)


def forward_parallel(weights, config, ids, act=None):
    """Whole-sequence formulation: chunked GLA (S0 = 0) and masked window attention.

    act, when given, is applied to the input of every weight product (q, k, v, gk_proj.0, gk_proj.1, o, gate,
    up, down, lm_head): bf16_activation gives the runtime's --precision bf16 prefill."""
    if act is None:
        act = lambda a: a
    d = Dims(config)
    swa = attn_layer_set(config)
    ids = np.asarray(ids)
    T = len(ids)
    x = _w(weights, "model.embeddings.weight")[ids]
    pos = np.arange(T)
    inv = rope_inv_freq(d.theta, d.D)
    ang = (pos.astype(np.float32)[:, None] * inv[None, :]).astype(np.float32).astype(np.float64)
    cos, sin = np.cos(ang), np.sin(ang)                      # [T, D/2]
    mask = (pos[None, :] <= pos[:, None]) & (pos[None, :] >= pos[:, None] - d.W)
    for L in range(int(config["num_hidden_layers"])):
        p = f"model.layers.{L}."
        a_ = p + "attn."
        h = rmsnorm(x, _w(weights, p + "attn_norm.weight"), d.eps)
        q = act(h) @ _w(weights, a_ + "q_proj.weight").T + _w(weights, a_ + "q_proj.bias")
        k = act(h) @ _w(weights, a_ + "k_proj.weight").T + _w(weights, a_ + "k_proj.bias")
        v = act(h) @ _w(weights, a_ + "v_proj.weight").T + _w(weights, a_ + "v_proj.bias")
        q, k, v = q.reshape(T, d.heads, d.D), k.reshape(T, d.kv_heads, d.D), v.reshape(T, d.kv_heads, d.D)
        o = np.empty((T, d.heads, d.D))
        if L in swa:
            q = apply_rope(q, cos[:, None, :], sin[:, None, :])
            k = apply_rope(k, cos[:, None, :], sin[:, None, :])
            for n in range(d.heads):
                s = q[:, n, :] @ k[:, n // d.group, :].T * d.D ** -0.5
                s = np.where(mask, s, -np.inf)
                s = np.exp(s - s.max(axis=1, keepdims=True))
                o[:, n, :] = (s / s.sum(axis=1, keepdims=True)) @ v[:, n // d.group, :]
        else:
            q, k = np.maximum(q, 0), np.maximum(k, 0)
            g = logsigmoid(act(act(h) @ _w(weights, a_ + "gk_proj.0.weight").T) @ _w(weights, a_ + "gk_proj.1.weight").T
                           + _w(weights, a_ + "gk_proj.1.bias")) / GATE_NORMALIZER
            g = g.reshape(T, d.kv_heads, d.D)
            for n in range(d.heads):
                j = n // d.group
                o[:, n, :] = gla_chunked(q[:, n], k[:, j], v[:, j], g[:, j], np.zeros((d.D, d.D)), d.D ** -0.5)
            o = rmsnorm(o, _w(weights, a_ + "g_norm.weight"), d.eps)
        r = x + act(o.reshape(T, -1)) @ _w(weights, a_ + "o_proj.weight").T
        h = rmsnorm(r, _w(weights, p + "mlp_norm.weight"), d.eps)
        x = r + act(silu(act(h) @ _w(weights, p + "mlp.gate_proj.weight").T) * (act(h) @ _w(weights, p + "mlp.up_proj.weight").T)) \
            @ _w(weights, p + "mlp.down_proj.weight").T
    return act(rmsnorm(x, _w(weights, "model.norm.weight"), d.eps)) @ _w(weights, "lm_head.weight").T


def random_weights(config, rng):
    d = Dims(config)
    kvd = d.kv_heads * d.D
    I, V = int(config["intermediate_size"]), int(config["vocab_size"])
    w = {"model.embeddings.weight": rng.normal(size=(V, d.H)),
         "model.norm.weight": 1 + 0.1 * rng.normal(size=d.H),
         "lm_head.weight": rng.normal(size=(V, d.H)) / np.sqrt(d.H)}
    for L in range(int(config["num_hidden_layers"])):
        p = f"model.layers.{L}."
        shapes = {"attn_norm.weight": None, "mlp_norm.weight": None,
                  "mlp.gate_proj.weight": (I, d.H), "mlp.up_proj.weight": (I, d.H), "mlp.down_proj.weight": (d.H, I),
                  "attn.q_proj.weight": (d.H, d.H), "attn.q_proj.bias": (d.H,),
                  "attn.k_proj.weight": (kvd, d.H), "attn.k_proj.bias": (kvd,),
                  "attn.v_proj.weight": (kvd, d.H), "attn.v_proj.bias": (kvd,), "attn.o_proj.weight": (d.H, d.H)}
        if L not in attn_layer_set(config):
            shapes.update({"attn.gk_proj.0.weight": (GATE_LOW_RANK, d.H), "attn.gk_proj.1.weight": (kvd, GATE_LOW_RANK),
                           "attn.gk_proj.1.bias": (kvd,), "attn.g_norm.weight": None})
        for name, shape in shapes.items():
            if shape is None:
                size = d.D if name.endswith("g_norm.weight") else d.H
                w[p + name] = 1 + 0.1 * rng.normal(size=size)
            elif len(shape) == 1:
                w[p + name] = (1.0 if name.endswith("gk_proj.1.bias") else 0.0) + \
                              (1.0 if name.endswith("gk_proj.1.bias") else 0.1) * rng.normal(size=shape)
            else:
                w[p + name] = rng.normal(size=shape) / np.sqrt(shape[1])
    return w


def selftest():
    rng = np.random.default_rng(12345)
    # 1. chunked GLA formula == recurrent form, with a non-zero initial state
    T, Dk, Dv = 23, 8, 5
    q, k = np.maximum(rng.normal(size=(T, Dk)), 0), np.maximum(rng.normal(size=(T, Dk)), 0)
    v = rng.normal(size=(T, Dv))
    g = logsigmoid(rng.normal(loc=1.0, size=(T, Dk))) / GATE_NORMALIZER
    S0 = rng.normal(size=(Dk, Dv))
    rec, chk = gla_recurrent(q, k, v, g, S0, Dk ** -0.5), gla_chunked(q, k, v, g, S0, Dk ** -0.5)
    err = np.abs(rec - chk).max()
    assert err < 1e-12 * max(1.0, np.abs(rec).max()), f"chunked GLA differs from recurrent: {err}"
    # and reading out before adding k^T v (a known pitfall) must NOT match
    bad = np.empty_like(rec)
    S = S0.copy()
    for t in range(T):
        bad[t] = (q[t] * Dk ** -0.5) @ (np.exp(g[t])[:, None] * S)
        S = np.exp(g[t])[:, None] * S + np.outer(k[t], v[t])
    assert np.abs(bad - rec).max() > 1e-3, "self-test cannot tell read-before-add apart"
    # 2. whole model: recurrent token-by-token == parallel masked form (GLA + SWA, GQA, window)
    config = {"vocab_size": 50, "hidden_size": 32, "num_attention_heads": 4, "num_key_value_heads": 2,
              "intermediate_size": 40, "num_hidden_layers": 4, "attn_layers": [1, 3], "sliding_window": 3,
              "rope_theta": 10000.0, "norm_eps": 1e-6}
    w = random_weights(config, rng)
    ids = rng.integers(0, 50, size=17).tolist()
    logits, hidden = forward(w, config, ids)
    par = forward_parallel(w, config, ids)
    err = np.abs(logits - par).max()
    assert err < 1e-10, f"recurrent forward differs from parallel forward: {err}"
    # the window matters: a wider window must change late logits
    wide = dict(config, sliding_window=16)
    assert np.abs(forward_parallel(w, wide, ids)[-1] - par[-1]).max() > 1e-6, "window has no effect"
    assert len(hidden) == 4 and np.allclose(hidden[-1].shape, (17, 32))
    print(f"selftest OK (chunked GLA err {np.abs(rec - chk).max():.2e}, model err {err:.2e})")


if __name__ == "__main__":
    if "--selftest" in sys.argv[1:]:
        selftest()
    else:
        print(__doc__)
