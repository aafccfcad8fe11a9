#!/usr/bin/env python3
"""Reference of `spikert convert --to spikingbrain`: which SpikingBrain (gla_swa) tensor comes from which Qwen2
tensor, and what the new tensors and the config must be, written from the SpikingBrain report (section 3.1:
"we reuse all projection weights in the attention and FFN modules and minimize new parameters"; the new GLA
parameters are low-rank) and MODEL.md sections 1-2 and 8, without SpikeRT's code.

    python3 qwen2_to_spikingbrain_ref.py QWEN2_DIR [--swa-layers odd|all|none|1,3] [--window W] > expected.json

Output: {"tensors": [{"name", "shape", "from" (a Qwen2 tensor whose bytes it copies) or "init"
("xavier-uniform gain 2^-2.5" | "zeros" | "ones")}], "config": {the keys the output config.json must hold}}.
"""
import argparse
import json
import os
import struct
import sys


def qwen2_tensors(folder):
    """name -> shape, from the safetensors headers (single file or sharded with an index)."""
    index = os.path.join(folder, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    shapes = {}
    for f in files:
        with open(os.path.join(folder, f), "rb") as fh:
            n = struct.unpack("<Q", fh.read(8))[0]
            header = json.loads(fh.read(n))
        for name, info in header.items():
            if name != "__metadata__":
                shapes[name] = info["shape"]
    return shapes


def swa_layers(spec, n):
    if spec == "odd":
        return [i for i in range(n) if i % 2 == 1]
    if spec == "all":
        return list(range(n))
    if spec == "none":
        return []
    return sorted({int(x) for x in spec.split(",")})


def expected(folder, spec, window):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    src = qwen2_tensors(folder)
    layers = cfg["num_hidden_layers"]
    head_dim = cfg["hidden_size"] // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * head_dim
    swa = swa_layers(spec, layers)
    out = []

    def take(to, frm):
        out.append({"name": to, "shape": src[frm], "from": frm})

    take("model.embeddings.weight", "model.embed_tokens.weight")
    for L in range(layers):
        q, s = f"model.layers.{L}.self_attn.", f"model.layers.{L}.attn."
        take(f"model.layers.{L}.attn_norm.weight", f"model.layers.{L}.input_layernorm.weight")
        take(f"model.layers.{L}.mlp_norm.weight", f"model.layers.{L}.post_attention_layernorm.weight")
        for p in ("q_proj", "k_proj", "v_proj"):
            take(s + p + ".weight", q + p + ".weight")
            take(s + p + ".bias", q + p + ".bias")
        take(s + "o_proj.weight", q + "o_proj.weight")
        for p in ("gate_proj", "up_proj", "down_proj"):
            take(f"model.layers.{L}.mlp.{p}.weight", f"model.layers.{L}.mlp.{p}.weight")
        if L not in swa:
            out.append({"name": s + "gk_proj.0.weight", "shape": [16, cfg["hidden_size"]], "init": "xavier-uniform gain 2^-2.5"})
            out.append({"name": s + "gk_proj.1.weight", "shape": [kv, 16], "init": "xavier-uniform gain 2^-2.5"})
            out.append({"name": s + "gk_proj.1.bias", "shape": [kv], "init": "zeros"})
            out.append({"name": s + "g_norm.weight", "shape": [head_dim], "init": "ones"})
    take("model.norm.weight", "model.norm.weight")
    if "lm_head.weight" in src:
        take("lm_head.weight", "lm_head.weight")
    used = {t["from"] for t in out if "from" in t}
    if used != set(src):
        sys.exit(f"Qwen2 tensors not accounted for: {sorted(set(src) - used)}")
    config = {"model_type": "gla_swa", "vocab_size": cfg["vocab_size"], "hidden_size": cfg["hidden_size"],
              "num_hidden_layers": layers, "num_attention_heads": cfg["num_attention_heads"],
              "num_key_value_heads": cfg["num_key_value_heads"], "intermediate_size": cfg["intermediate_size"],
              "attn_layers": swa, "sliding_window": window, "rope_theta": cfg["rope_theta"],
              "norm_eps": cfg["rms_norm_eps"], "tie_word_embeddings": "lm_head.weight" not in src,
              "bos_token_id": cfg["bos_token_id"], "eos_token_id": cfg["eos_token_id"]}
    return {"tensors": out, "config": config}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--swa-layers", default="odd")
    ap.add_argument("--window", type=int, default=4096)
    a = ap.parse_args()
    json.dump(expected(a.folder, a.swa_layers, a.window), sys.stdout, indent=1)
    sys.stdout.write("\n")
