#!/usr/bin/env python3
"""Deterministic tiny Qwen2 checkpoints in the published Hugging Face layout, plus golden logits
from the independent float64 reference (qwen2_ref.py).

    python3 model/src/test/python/make_qwen2_fixtures.py [--out DIR]

Default output: model/src/test/resources/qwen2-tiny/
  bf16-sharded/  config.json, model-0000{1,2}-of-00002.safetensors, model.safetensors.index.json
                 (BF16, untied lm_head: the layout of Qwen2.5-7B)
  tied-f32/      config.json, model.safetensors (F32, no lm_head: tie_word_embeddings, as Qwen2.5-0.5B)
  golden/        ids.json, logits-bf16-sharded.bin, logits-tied-f32.bin ([T][V] float32 little-endian),
                 logits-bf16-sharded-kv-bf16.bin (bf16-sharded with a BF16 key/value cache),
                 spikingbrain-init.json (what `convert --to spikingbrain` must make of bf16-sharded)
Running it twice gives identical bytes.
"""
import argparse
import json
import os
import sys
from collections import OrderedDict

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qwen2_ref as ref                                                     # noqa: E402
import qwen2_to_spikingbrain_ref as remap                                   # noqa: E402
from make_tiny_fixtures import (bf16_bits_to_f32, f32_to_bf16_bits,         # noqa: E402
                                safetensors_bytes, write_json)

SEED = 20261207
N_IDS = 40

# Qwen2.5-7B-Instruct's config.json with the sizes made tiny (max_position_embeddings 64 is the context limit).
QWEN25_7B_CONFIG = OrderedDict([
    ("architectures", ["Qwen2ForCausalLM"]), ("attention_dropout", 0.0), ("bos_token_id", 511),
    ("eos_token_id", 510), ("hidden_act", "silu"), ("hidden_size", 64), ("initializer_range", 0.02),
    ("intermediate_size", 96), ("max_position_embeddings", 64), ("max_window_layers", 3),
    ("model_type", "qwen2"), ("num_attention_heads", 4), ("num_hidden_layers", 3),
    ("num_key_value_heads", 2), ("rms_norm_eps", 1e-06), ("rope_theta", 1000000.0),
    ("sliding_window", 131072), ("tie_word_embeddings", False), ("torch_dtype", "bfloat16"),
    ("transformers_version", "4.43.1"), ("use_cache", True), ("use_sliding_window", False),
    ("vocab_size", 512)])


def tensor_specs(cfg, tied):
    h, inter, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    kv = cfg["num_key_value_heads"] * (h // cfg["num_attention_heads"])
    specs = [("model.embed_tokens.weight", (v, h), 1.0)]
    for L in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{L}."
        specs += [(p + "input_layernorm.weight", (h,), "norm"),
                  (p + "mlp.down_proj.weight", (h, inter), inter ** -0.5),
                  (p + "mlp.gate_proj.weight", (inter, h), h ** -0.5),
                  (p + "mlp.up_proj.weight", (inter, h), h ** -0.5),
                  (p + "post_attention_layernorm.weight", (h,), "norm"),
                  (p + "self_attn.k_proj.bias", (kv,), 0.5),
                  (p + "self_attn.k_proj.weight", (kv, h), h ** -0.5),
                  (p + "self_attn.o_proj.weight", (h, h), h ** -0.5),
                  (p + "self_attn.q_proj.bias", (h,), 0.5),
                  (p + "self_attn.q_proj.weight", (h, h), h ** -0.5),
                  (p + "self_attn.v_proj.bias", (kv,), 0.1),
                  (p + "self_attn.v_proj.weight", (kv, h), h ** -0.5)]
    if not tied:
        specs.append(("lm_head.weight", (v, h), h ** -0.5))
    specs.append(("model.norm.weight", (h,), "norm"))
    return specs


def make_weights(cfg, tied, rng):
    w = OrderedDict()
    for name, shape, init in tensor_specs(cfg, tied):
        x = 1.0 + rng.normal(0.0, 0.1, size=shape) if init == "norm" else rng.normal(0.0, init, size=shape)
        w[name] = x.astype(np.float32)
    return w


def logits_bytes(logits):
    return np.ascontiguousarray(logits, dtype="<f4").tobytes()


def write_bf16_sharded(out, cfg, weights):
    os.makedirs(out, exist_ok=True)
    write_json(os.path.join(out, "config.json"), cfg)
    names = list(weights)
    first = [n for n in names if n == "model.embed_tokens.weight" or n.startswith("model.layers.0.")]
    shards = [first, [n for n in names if n not in first]]
    index = OrderedDict([("metadata", OrderedDict([("total_size", 0)])), ("weight_map", OrderedDict())])
    rounded = {}
    for i, shard in enumerate(shards):
        file = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        named = []
        for n in shard:
            bits = f32_to_bf16_bits(weights[n])
            rounded[n] = bf16_bits_to_f32(bits)
            named.append((n, "BF16", weights[n].shape, bits.astype("<u2").tobytes()))
            index["metadata"]["total_size"] += bits.size * 2
            index["weight_map"][n] = file
        with open(os.path.join(out, file), "wb") as f:
            f.write(safetensors_bytes(named))
    index["weight_map"] = OrderedDict(sorted(index["weight_map"].items()))
    write_json(os.path.join(out, "model.safetensors.index.json"), index)
    return rounded


def write_f32(out, cfg, weights):
    os.makedirs(out, exist_ok=True)
    write_json(os.path.join(out, "config.json"), cfg)
    named = [(n, "F32", a.shape, np.ascontiguousarray(a, dtype="<f4").tobytes()) for n, a in weights.items()]
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(safetensors_bytes(named))
    return weights


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(here, "..", "resources", "qwen2-tiny"))
    args = ap.parse_args()
    rng = np.random.default_rng(SEED)
    cfg = QWEN25_7B_CONFIG
    ids = [int(i) for i in rng.integers(0, cfg["vocab_size"], size=N_IDS)]
    golden = os.path.join(args.out, "golden")
    os.makedirs(golden, exist_ok=True)
    write_json(os.path.join(golden, "ids.json"), ids)

    sharded = write_bf16_sharded(os.path.join(args.out, "bf16-sharded"), cfg, make_weights(cfg, False, rng))
    with open(os.path.join(golden, "logits-bf16-sharded.bin"), "wb") as f:
        f.write(logits_bytes(ref.forward(sharded, cfg, ids)))
    with open(os.path.join(golden, "logits-bf16-sharded-kv-bf16.bin"), "wb") as f:
        f.write(logits_bytes(ref.forward(sharded, cfg, ids, kv_round=ref.bf16_cache)))

    tied_cfg = OrderedDict(cfg)
    tied_cfg["tie_word_embeddings"] = True
    tied_cfg["torch_dtype"] = "float32"
    tied = write_f32(os.path.join(args.out, "tied-f32"), tied_cfg, make_weights(tied_cfg, True, rng))
    with open(os.path.join(golden, "logits-tied-f32.bin"), "wb") as f:
        f.write(logits_bytes(ref.forward(tied, tied_cfg, ids)))
    write_json(os.path.join(golden, "spikingbrain-init.json"),
               remap.expected(os.path.join(args.out, "bf16-sharded"), "odd", 4096))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
