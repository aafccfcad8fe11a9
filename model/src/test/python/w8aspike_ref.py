#!/usr/bin/env python3
"""Independent float64 reference of SpikingBrain-7B-W8ASpike (MODEL.md section 4).

Written from docs/MODEL.md only; the parts shared with the base model (norms,
embeddings, RoPE, GLA recurrence, window of W+1 keys, lm_head) come from spikingbrain_ref.py.

    forward(weights, config, ids, k=3.0) -> Result(logits [T,V], hidden [L][T,H], spikes)

Semantics (decisions marked DECISION are also written in tiny-w8aspike/README.md):
- QuantLinear = q/k/v/o of both layer types, GLA's full-rank gk_proj, MLP gate/up. Weight used
  W' = rint(W/s)*s per group of 128 inputs, s = `<name>.weight_quantizer.scales[out, in/128, 0]`,
  not clamped. The input x of one token (all `in` features of that layer, one vth per token)
  is spiked: vth = clamp(mean|x|/k, 1e-5, 1e4), counts = rint(x/vth) (half to even); the
  output is vth * (counts @ W'^T) + bias.
- DECISION: "every QuantLinear" includes o_proj in both layer types: its input (the GLA heads
  after g_norm, or the SWA heads, concatenated) is spiked over all H features with one vth.
- DECISION: q/k/v (and gk in GLA) read the same input h, so they see identical counts.
- MLP down_proj: raw weight, un-spiked input (its scales are ignored).
- SWA only: the query after RoPE is spiked per token and head over D, with the same k
  (DECISION; `query_k` overrides); K after RoPE and V are fake-quantised to int8 per token and
  kv head: scale = clamp(max|x|/127, 1e-5, 1e4), x' = clamp(rint(x/scale), -128, 127)*scale.
- GLA: g = logsigmoid(gk_proj(h)) / 16 with gk_proj a QuantLinear (input h spiked); the GLA
  query is NOT spiked again (only SWA's is) and GLA states stay float.

`python3 w8aspike_ref.py --selftest` checks the integer form against the fake-quant form, the
wiring against spikingbrain_ref (all quantisation switched off), and convergence in k.
"""
import sys
from dataclasses import dataclass, field

import numpy as np

import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spikingbrain_ref as ref          # noqa: E402

GROUP = 128
VTH_MIN, VTH_MAX = 1e-5, 1e4
KV_SCALE_MIN, KV_SCALE_MAX = 1e-5, 1e4


@dataclass
class Options:
    """Switches, all on for the published semantics. Turning them off is for self-tests."""
    k: float = 3.0
    query_k: float = None          # SWA query threshold factor; None = same as k
    spike_inputs: bool = True      # QuantLinear input spiking
    quantize_weights: bool = True  # W' = rint(W/s)*s
    spike_query: bool = True       # SWA query after RoPE
    kv_int8: bool = True           # SWA K/V int8 per token and kv head

    def qk(self):
        return self.k if self.query_k is None else self.query_k


def spike(x, k):
    """Adaptive-threshold spike counts over the last axis: (counts int64 [..., n], vth [..., 1])."""
    x = np.asarray(x, dtype=np.float64)
    vth = np.clip(np.mean(np.abs(x), axis=-1, keepdims=True) / k, VTH_MIN, VTH_MAX)
    return np.rint(x / vth).astype(np.int64), vth


def weight_codes(weight, scales):
    """Integer codes rint(W/s) per group of GROUP inputs (no clamp) and the per-element scale."""
    out, n_in = weight.shape
    if n_in % GROUP or scales.shape != (out, n_in // GROUP, 1):
        raise ValueError(f"scales shape {scales.shape} does not fit weight {weight.shape} in groups of {GROUP}")
    s = np.repeat(np.asarray(scales, np.float64)[:, :, 0], GROUP, axis=1)     # [out, in]
    codes = np.rint(np.asarray(weight, np.float64) / s)
    return codes.astype(np.int64), s


def tie_distance(x, vth):
    """Smallest |frac(x/vth) - 1/2| (axis -1): how close a count came to a rounding tie."""
    q = np.asarray(x, np.float64) / vth
    return np.abs(q - np.floor(q) - 0.5).min(axis=-1)


def int8_per_row(x):
    """KV quantisation over the last axis: clamp(rint(x/scale), -128, 127) * scale."""
    scale = np.clip(np.max(np.abs(x), axis=-1, keepdims=True) / 127.0, KV_SCALE_MIN, KV_SCALE_MAX)
    return np.clip(np.rint(x / scale), -128, 127) * scale


def spike_stats(counts):
    a = np.abs(counts)
    return {"silent": float(np.mean(a == 0)), "mean_abs": float(a.mean()), "max_abs": int(a.max())}


class QuantLinear:
    def __init__(self, weights, name, opts):
        self.name = name
        self.w = ref._w(weights, name + ".weight")
        self.b = np.asarray(weights[name + ".bias"], np.float64) if name + ".bias" in weights else None
        self.scales = ref._w(weights, name + ".weight_quantizer.scales")
        self.codes, s = weight_codes(self.w, self.scales)
        self.wq = self.codes * s if opts.quantize_weights else self.w
        self.opts = opts

    def __call__(self, x, record=None):
        """x: one token's input [in]. record: optional list receiving (name, counts, vth, tie distance)."""
        if self.opts.spike_inputs:
            counts, vth = spike(x, self.opts.k)
            if record is not None:
                record.append((self.name, counts, float(vth[0]), float(tie_distance(x, vth))))
            y = vth[0] * (self.wq @ counts.astype(np.float64))
        else:
            y = self.wq @ x
        return y if self.b is None else y + self.b

    def integer_form(self, x):
        """Same output computed the way an integer runtime does: per group an exact integer sum of
        code * count, then one multiply by the group scale, then by vth. Needs quantize_weights."""
        counts, vth = spike(x, self.opts.k)
        out, n_in = self.codes.shape
        g = n_in // GROUP
        acc = (self.codes.reshape(out, g, GROUP) * counts.reshape(1, g, GROUP)).sum(axis=2)  # int64, exact
        y = vth[0] * (acc.astype(np.float64) * self.scales[:, :, 0]).sum(axis=1)
        return y if self.b is None else y + self.b


class GlaLayer:
    def __init__(self, weights, prefix, dims, opts):
        p = prefix + "attn."
        self.d, self.opts = dims, opts
        self.q, self.k, self.v = (QuantLinear(weights, p + n, opts) for n in ("q_proj", "k_proj", "v_proj"))
        self.gk = QuantLinear(weights, p + "gk_proj", opts)            # full rank [KV*D, H] + bias
        self.o = QuantLinear(weights, p + "o_proj", opts)
        self.gnorm = ref._w(weights, p + "g_norm.weight")
        self.S = np.zeros((dims.kv_heads, dims.D, dims.D))

    def step(self, h, record=None):
        d = self.d
        q = np.maximum(self.q(h, record), 0.0).reshape(d.heads, d.D)
        k = np.maximum(self.k(h), 0.0).reshape(d.kv_heads, d.D)
        v = self.v(h).reshape(d.kv_heads, d.D)
        g = (ref.logsigmoid(self.gk(h)) / ref.GATE_NORMALIZER).reshape(d.kv_heads, d.D)
        for j in range(d.kv_heads):
            self.S[j] = np.exp(g[j])[:, None] * self.S[j] + np.outer(k[j], v[j])
        scale = d.D ** -0.5
        o = np.empty((d.heads, d.D))
        for n in range(d.heads):
            o[n] = (q[n] * scale) @ self.S[n // d.group]
        o = ref.rmsnorm(o, self.gnorm, d.eps)
        return self.o(o.reshape(-1), record)


class SwaLayer:
    def __init__(self, weights, prefix, dims, opts):
        p = prefix + "attn."
        self.d, self.opts = dims, opts
        self.q, self.k, self.v = (QuantLinear(weights, p + n, opts) for n in ("q_proj", "k_proj", "v_proj"))
        self.o = QuantLinear(weights, p + "o_proj", opts)
        self.inv_freq = ref.rope_inv_freq(dims.theta, dims.D)
        self.keys, self.values = [], []

    def step(self, h, pos, record=None):
        d = self.d
        q = self.q(h, record).reshape(d.heads, d.D)
        k = self.k(h).reshape(d.kv_heads, d.D)
        v = self.v(h).reshape(d.kv_heads, d.D)
        cos, sin = ref.rope_cos_sin(pos, self.inv_freq)
        q, k = ref.apply_rope(q, cos, sin), ref.apply_rope(k, cos, sin)
        if self.opts.spike_query:
            counts, vth = spike(q, self.opts.qk())                 # per head over D
            if record is not None:
                record.append((self.q.name.replace("q_proj", "query"), counts, vth[:, 0].tolist(),
                               float(tie_distance(q, vth).min())))
            q = vth * counts
        if self.opts.kv_int8:
            k, v = int8_per_row(k), int8_per_row(v)
        self.keys.append(k)
        self.values.append(v)
        lo = max(0, pos - d.W)
        K, V = np.stack(self.keys[lo: pos + 1]), np.stack(self.values[lo: pos + 1])
        scale = d.D ** -0.5
        o = np.empty((d.heads, d.D))
        for n in range(d.heads):
            j = n // d.group
            s = (K[:, j, :] @ q[n]) * scale
            s = np.exp(s - s.max())
            o[n] = (s / s.sum()) @ V[:, j, :]
        return self.o(o.reshape(-1), record)


@dataclass
class Result:
    logits: np.ndarray
    hidden: list
    spikes: list = field(default_factory=list)   # per token: list of (name, counts, vth, tie distance)
    layers: list = field(default_factory=list)


def build_layers(weights, config, opts):
    dims = ref.Dims(config)
    swa = ref.attn_layer_set(config)
    layers = []
    for L in range(int(config["num_hidden_layers"])):
        p = f"model.layers.{L}."
        attn = SwaLayer(weights, p, dims, opts) if L in swa else GlaLayer(weights, p, dims, opts)
        mlp = dict(attn_norm=ref._w(weights, p + "attn_norm.weight"), mlp_norm=ref._w(weights, p + "mlp_norm.weight"),
                   gate=QuantLinear(weights, p + "mlp.gate_proj", opts), up=QuantLinear(weights, p + "mlp.up_proj", opts),
                   down=ref._w(weights, p + "mlp.down_proj.weight"))   # raw weight, un-spiked input
        layers.append((L in swa, attn, mlp))
    return dims, layers


def forward(weights, config, ids, k=3.0, opts=None, record=False):
    """Logits [T, V] and x after each layer, in float64. record=True keeps every spike count."""
    opts = opts or Options(k=k)
    dims, layers = build_layers(weights, config, opts)
    emb = ref._w(weights, "model.embeddings.weight")
    final_norm, lm_head = ref._w(weights, "model.norm.weight"), ref._w(weights, "lm_head.weight")
    T = len(ids)
    res = Result(np.empty((T, lm_head.shape[0])), [np.empty((T, dims.H)) for _ in layers], layers=layers)
    for pos, tok in enumerate(ids):
        rec = [] if record else None
        x = emb[int(tok)].copy()
        for L, (is_swa, attn, m) in enumerate(layers):
            h = ref.rmsnorm(x, m["attn_norm"], dims.eps)
            r = x + (attn.step(h, pos, rec) if is_swa else attn.step(h, rec))
            h = ref.rmsnorm(r, m["mlp_norm"], dims.eps)
            x = r + m["down"] @ (ref.silu(m["gate"](h, rec)) * m["up"](h))
            res.hidden[L][pos] = x
        res.logits[pos] = lm_head @ ref.rmsnorm(x, final_norm, dims.eps)
        if record:
            res.spikes.append(rec)
    return res


# ----------------------------------------------------------------------------- self-test

def base_to_w8(w_base, config, scale_factor=1.0):
    """W8ASpike weights from base weights: gk_proj = W1 W0 (full rank) with bias b1, absmax
    scales (times scale_factor) for every QuantLinear including down_proj."""
    w = {}
    swa = ref.attn_layer_set(config)
    for n, a in w_base.items():
        if ".gk_proj." in n:
            continue
        w[n] = a
    for L in range(int(config["num_hidden_layers"])):
        p = f"model.layers.{L}."
        if L not in swa:
            w[p + "attn.gk_proj.weight"] = w_base[p + "attn.gk_proj.1.weight"] @ w_base[p + "attn.gk_proj.0.weight"]
            w[p + "attn.gk_proj.bias"] = w_base[p + "attn.gk_proj.1.bias"]
        names = ["attn.q_proj", "attn.k_proj", "attn.v_proj", "attn.o_proj", "mlp.gate_proj", "mlp.up_proj",
                 "mlp.down_proj"] + ([] if L in swa else ["attn.gk_proj"])
        for n in names:
            W = w[p + n + ".weight"]
            g = W.reshape(W.shape[0], -1, GROUP)
            w[p + n + ".weight_quantizer.scales"] = np.abs(g).max(axis=2, keepdims=True) / 127.0 * scale_factor
    return w


def selftest():
    rng = np.random.default_rng(4242)
    # 1. spike / int8 primitives on hand-made values (round half to even, clamps)
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 4.5, 6.5, -5.5])                  # mean|x| = 3
    c, vth = spike(x * 0.5, 3.0)                                                # vth = 0.5 exactly, x/vth = x
    assert vth[0] == 0.5 and c.tolist() == [0, 2, 2, 0, -2, 4, 6, -6], (vth, c)
    c, vth = spike(np.zeros(8), 3.0)
    assert vth[0] == VTH_MIN and not c.any()
    q = int8_per_row(np.array([[1.0, -1.0, 0.5, 127.0 / 254]]))
    assert np.allclose(q, [[1.0, -1.0, 64 / 127, 64 / 127]])                   # 63.5 -> 64 (half to even)
    assert np.all(int8_per_row(np.full((1, 4), 1e-9)) == np.full((1, 4), 0.0))    # scale clamped at 1e-5
    # 2. integer form == fake-quant form, with multi-group rows and out-of-range codes
    W = rng.normal(size=(7, 3 * GROUP))
    sc = np.abs(W.reshape(7, 3, GROUP)).max(axis=2, keepdims=True) / 127.0 * 0.6
    lin = QuantLinear({"t.weight": W, "t.bias": rng.normal(size=7), "t.weight_quantizer.scales": sc}, "t", Options())
    assert np.abs(lin.codes).max() > 127
    for _ in range(5):
        xx = rng.standard_t(3, size=3 * GROUP)
        a, b = lin(xx), lin.integer_form(xx)
        assert np.abs(a - b).max() <= 1e-12 * np.abs(a).max(), np.abs(a - b).max()
    # 3. wiring: with every quantisation off, W8ASpike == base model (gk_proj = W1 W0)
    config = {"vocab_size": 60, "hidden_size": 128, "num_attention_heads": 4, "num_key_value_heads": 2,
              "intermediate_size": 256, "num_hidden_layers": 4, "attn_layers": [1, 3], "sliding_window": 3,
              "rope_theta": 10000.0, "norm_eps": 1e-6}
    wb = ref.random_weights(config, rng)
    w8 = base_to_w8(wb, config)
    ids = rng.integers(0, 60, size=12).tolist()
    base = ref.forward(wb, config, ids)[0]
    off = Options(spike_inputs=False, quantize_weights=False, spike_query=False, kv_int8=False)
    err = np.abs(forward(w8, config, ids, opts=off).logits - base).max()
    assert err < 1e-10, f"W8ASpike with quantisation off differs from the base reference: {err}"
    # 4. each switch matters, and spiking error falls as k grows
    full = forward(w8, config, ids, k=3.0).logits
    for sw in ("spike_inputs", "quantize_weights", "spike_query", "kv_int8"):
        o = Options(**{sw: False})
        assert np.abs(forward(w8, config, ids, opts=o).logits - full).max() > 1e-6, f"{sw} has no effect"
    errs = [np.abs(forward(w8, config, ids, opts=Options(k=k, quantize_weights=False, kv_int8=False)).logits
                   - base).max() for k in (2.0, 8.0, 64.0, 1024.0)]
    assert all(a > b for a, b in zip(errs, errs[1:])), errs
    print(f"selftest OK (wiring err {err:.2e}; spiking error vs k=2,8,64,1024: "
          + ", ".join(f"{e:.3g}" for e in errs) + ")")


if __name__ == "__main__":
    if "--selftest" in sys.argv[1:]:
        selftest()
    else:
        print(__doc__)
