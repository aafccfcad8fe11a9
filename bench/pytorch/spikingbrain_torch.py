"""SpikingBrain (gla_swa) base-model prefill in PyTorch: docs/MODEL.md sections 1-3.

It mirrors `forward_parallel` of model/src/test/python/spikingbrain_ref.py (the float64 oracle), written
as a runtime would run a prefill: the whole prompt's projections at once, GLA in chunks of 32 tokens with
the D x D state per kv head carried between chunks (memory linear in the prompt), SWA in blocks of
queries that read only the keys inside their window.

Precision: every matrix product multiplies in `compute_dtype`: the linear layers (q/k/v/o, gk_proj,
gate/up/down, lm_head; bfloat16: weights used as stored, float32: widened once at load) and the
attention products (GLA's intra-chunk scores, their product with v, the read-out of the state and the
state update; SWA's q.k and p.v). Under bfloat16 the operands are rounded to bf16 and oneDNN accumulates
in fp32 (Debian's torch sends bf16 products to oneDNN, fp32 ones to the reference BLAS, which is about
300x slower: fp32 is for checking on small models). Everything else is fp32: the residual stream, every
RMSNorm ("fp32 math" in MODEL.md), biases (added after the product), the GLA gates, decays and state,
RoPE, the softmax.
"""
import torch
import torch.nn.functional as F

GATE_LOW_RANK = 16        # MODEL.md section 1: not in the config
GATE_NORMALIZER = 16.0
GLA_CHUNK = 32            # tokens per GLA chunk (state carried between chunks); the [t, s, kv, D] decay
                          # tensor grows with it: 16-32 measured fastest at the 7B shape, 64 about 2.5x slower
SWA_QUERY_BLOCK = 256     # queries per SWA block; each reads at most W + block keys


def attn_layers(config):
    n = int(config["num_hidden_layers"])
    layers = config.get("attn_layers")
    if layers is None:
        layers = list(range(1, n, 2))
    return set(int(i) for i in layers)


class Dims:
    def __init__(self, config):
        try:
            self.H = int(config["hidden_size"])
            self.heads = int(config["num_attention_heads"])
            self.kv_heads = int(config["num_key_value_heads"])
            self.layers = int(config["num_hidden_layers"])
            self.vocab = int(config["vocab_size"])
            self.I = int(config["intermediate_size"])
            self.eps = float(config["norm_eps"])
            self.W = int(config["sliding_window"])
            self.theta = float(config["rope_theta"])
        except KeyError as e:
            raise ValueError(f"config.json: missing field {e}") from None
        self.D = self.H // self.heads
        self.group = self.heads // self.kv_heads if self.kv_heads else 0
        if self.D * self.heads != self.H or self.group * self.kv_heads != self.heads or self.D % 2:
            raise ValueError(f"config.json: inconsistent head layout: hidden_size={self.H} "
                             f"num_attention_heads={self.heads} num_key_value_heads={self.kv_heads}")


def rmsnorm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * w


class Weights:
    """The tensors one layer needs, checked for shape, in the form the forward uses."""

    def __init__(self, source, config, compute_dtype):
        self.d = d = Dims(config)
        self.compute_dtype = compute_dtype
        self.swa = attn_layers(config)
        self._source = source
        kvd, I = d.kv_heads * d.D, d.I
        self.embeddings = self._get("model.embeddings.weight", (d.vocab, d.H), matrix=False)
        self.final_norm = self._vec("model.norm.weight", d.H)
        self.lm_head = self._get("lm_head.weight", (d.vocab, d.H))
        self.layers = []
        for L in range(d.layers):
            p, a = f"model.layers.{L}.", f"model.layers.{L}.attn."
            layer = {
                "attn_norm": self._vec(p + "attn_norm.weight", d.H),
                "mlp_norm": self._vec(p + "mlp_norm.weight", d.H),
                "gate": self._get(p + "mlp.gate_proj.weight", (I, d.H)),
                "up": self._get(p + "mlp.up_proj.weight", (I, d.H)),
                "down": self._get(p + "mlp.down_proj.weight", (d.H, I)),
                "q": self._get(a + "q_proj.weight", (d.H, d.H)), "bq": self._vec(a + "q_proj.bias", d.H),
                "k": self._get(a + "k_proj.weight", (kvd, d.H)), "bk": self._vec(a + "k_proj.bias", kvd),
                "v": self._get(a + "v_proj.weight", (kvd, d.H)), "bv": self._vec(a + "v_proj.bias", kvd),
                "o": self._get(a + "o_proj.weight", (d.H, d.H)),
            }
            if L not in self.swa:
                layer.update({
                    "g0": self._get(a + "gk_proj.0.weight", (GATE_LOW_RANK, d.H)),
                    "g1": self._get(a + "gk_proj.1.weight", (kvd, GATE_LOW_RANK)),
                    "bg1": self._vec(a + "gk_proj.1.bias", kvd),
                    "g_norm": self._vec(a + "g_norm.weight", d.D),
                })
            self.layers.append(layer)

    def _raw(self, name, shape):
        t = self._source[name]
        if tuple(t.shape) != tuple(shape):
            raise ValueError(f"tensor {name!r} has shape {list(t.shape)}, expected {list(shape)}")
        if not t.is_floating_point():
            raise ValueError(f"tensor {name!r} has dtype {t.dtype}, expected a floating type")
        return t

    def _get(self, name, shape, matrix=True):
        t = self._raw(name, shape)
        # matrices are multiplied in the compute dtype; a bf16 file under bf16 compute is used in place
        return t.to(self.compute_dtype) if matrix else t

    def _vec(self, name, n):
        return self._raw(name, (n,)).float()


def _linear(x, w, b=None):
    """x [T, in] fp32 -> fp32 [T, out]: the product in w's dtype, the bias added in fp32."""
    y = F.linear(x.to(w.dtype), w).float()
    return y + b if b is not None else y


def _bmm(a, b, mm):
    """fp32 operands -> fp32 product computed in dtype mm."""
    return torch.bmm(a.to(mm), b.to(mm)).float()


def _einsum(spec, a, b, mm):
    """fp32 operands -> fp32 product computed in dtype mm."""
    return torch.einsum(spec, a.to(mm), b.to(mm)).float()


def _rope_cos_sin(positions, d):
    # inv_freq in float64 rounded to float32, angle = float32(float32(p) * inv_freq), cos/sin in float64
    # (the reference's convention), then used in fp32
    inv = (1.0 / d.theta ** (torch.arange(0, d.D, 2, dtype=torch.float64) / d.D)).float()
    angle = positions.float()[:, None] * inv[None, :]
    a = angle.double()
    return torch.cos(a).float(), torch.sin(a).float()         # [T, D/2]


def _rope(x, cos, sin):
    """Rotate-half RoPE on x [T, heads, D]; cos, sin [T, D/2]."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    c, s = cos[:, None, :], sin[:, None, :]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1)


def swa_attention(q, k, v, d, block=SWA_QUERY_BLOCK, mm=torch.float32):
    """q [T, heads, D], k/v [T, kv, D] (after RoPE) -> [T, heads, D]; query p reads keys max(0, p-W)..p."""
    T = q.shape[0]
    out = torch.empty_like(q)
    scale = d.D ** -0.5
    for qs in range(0, T, block):
        qe = min(T, qs + block)
        ks = max(0, qs - d.W)
        n_q, n_k = qe - qs, qe - ks
        # [kv, group * n_q, D] x [kv, D, n_k]: the heads of a group share their kv head
        qb = q[qs:qe].reshape(n_q, d.kv_heads, d.group, d.D).permute(1, 2, 0, 3).reshape(d.kv_heads, -1, d.D)
        s = _bmm(qb, k[ks:qe].permute(1, 2, 0), mm) * scale
        qpos = torch.arange(qs, qe)[:, None]
        kpos = torch.arange(ks, qe)[None, :]
        allowed = (kpos <= qpos) & (kpos >= qpos - d.W)                          # [n_q, n_k]
        s = s.view(d.kv_heads, d.group, n_q, n_k).masked_fill(~allowed, float("-inf"))
        p = torch.softmax(s, dim=-1).view(d.kv_heads, -1, n_k)
        o = _bmm(p, v[ks:qe].permute(1, 0, 2), mm)                               # [kv, group * n_q, D]
        out[qs:qe] = o.view(d.kv_heads, d.group, n_q, d.D).permute(2, 0, 1, 3).reshape(n_q, d.heads, d.D)
    return out


def gla_attention(q, k, v, g, d, chunk=GLA_CHUNK, mm=torch.float32):
    """q [T, heads, D] (relu'd), k/v/g [T, kv, D] -> o [T, heads, D] before g_norm.

    Chunked form of MODEL.md section 3 with state S_j [D, D] per kv head, zero at the start:
    inside a chunk, b = cumsum(g); o_t = scale * sum_{s<=t} ((q_t e^{b_t - b_s}) . k_s) v_s
    + scale * (q_t e^{b_t}) S; then S <- e^{b_last} S + sum_s (k_s e^{b_last - b_s})^T v_s.
    Every exponent is <= 0 (g <= 0), so nothing overflows however strong the decay.
    """
    T = q.shape[0]
    scale = d.D ** -0.5
    S = torch.zeros(d.kv_heads, d.D, d.D)
    out = torch.empty_like(q)
    for cs in range(0, T, chunk):
        ce = min(T, cs + chunk)
        C = ce - cs
        qc = (q[cs:ce] * scale).view(C, d.kv_heads, d.group, d.D)                # [t, j, n, d]
        kc, vc = k[cs:ce], v[cs:ce]                                              # [s, j, d]
        b = torch.cumsum(g[cs:ce], dim=0)                                        # [t, j, d]
        diff = b[:, None] - b[None, :]                                           # [t, s, j, d]
        causal = torch.ones(C, C, dtype=torch.bool).tril()
        decay = torch.exp(diff.masked_fill(~causal[:, :, None, None], float("-inf")))
        ke = decay * kc[None]                                                    # [t, s, j, d]
        A = _einsum("tjnd,tsjd->jnts", qc, ke, mm)                               # [j, n, t, s]
        o = _einsum("jnts,sjd->tjnd", A, vc, mm)
        o = o + _einsum("tjnd,jde->tjne", qc * torch.exp(b)[:, :, None, :], S, mm)
        out[cs:ce] = o.reshape(C, d.heads, d.D)
        last = b[-1]                                                             # [j, d]
        kd = kc * torch.exp(last[None] - b)                                      # [s, j, d]
        S = torch.exp(last)[:, :, None] * S + _einsum("sjd,sje->jde", kd, vc, mm)
    return out


def forward(w, ids, all_logits=False, gla_chunk=GLA_CHUNK, swa_block=SWA_QUERY_BLOCK):
    """Prefill of `ids` (1-D LongTensor): logits [T, V] if all_logits else [1, V] (last token), fp32.

    gla_chunk and swa_block change only the grouping of the work (tests use small ones to cross
    chunk and block boundaries on a short prompt), not the result beyond rounding.
    """
    d = w.d
    T = ids.shape[0]
    x = w.embeddings[ids].float()                                                # [T, H]
    positions = torch.arange(T)
    cos, sin = _rope_cos_sin(positions, d) if w.swa else (None, None)
    for L, ly in enumerate(w.layers):
        h = rmsnorm(x, ly["attn_norm"], d.eps)
        q = _linear(h, ly["q"], ly["bq"]).view(T, d.heads, d.D)
        k = _linear(h, ly["k"], ly["bk"]).view(T, d.kv_heads, d.D)
        v = _linear(h, ly["v"], ly["bv"]).view(T, d.kv_heads, d.D)
        if L in w.swa:
            o = swa_attention(_rope(q, cos, sin), _rope(k, cos, sin), v, d, swa_block, w.compute_dtype)
        else:
            g = F.logsigmoid(_linear(_linear(h, ly["g0"]), ly["g1"], ly["bg1"])) / GATE_NORMALIZER
            o = gla_attention(torch.relu(q), torch.relu(k), v, g.view(T, d.kv_heads, d.D), d, gla_chunk,
                              w.compute_dtype)
            o = rmsnorm(o, ly["g_norm"], d.eps)                                   # over D, per head
        r = x + _linear(o.reshape(T, d.H), ly["o"])
        h = rmsnorm(r, ly["mlp_norm"], d.eps)
        x = r + _linear(F.silu(_linear(h, ly["gate"])) * _linear(h, ly["up"]), ly["down"])
    if not all_logits:
        x = x[-1:]
    return _linear(rmsnorm(x, w.final_norm, d.eps), w.lm_head)


def synthetic_ids(n, vocab):
    """Deterministic prompt ids (i * 7919) mod vocab: the same for every run and every runtime."""
    return torch.tensor([(i * 7919) % vocab for i in range(n)], dtype=torch.long)


def weight_bytes(w):
    total = 0
    for t in [w.embeddings, w.final_norm, w.lm_head] + [t for ly in w.layers for t in ly.values()]:
        total += t.numel() * t.element_size()
    return total

