#!/usr/bin/env python3
"""Writes the committed seeds of the fuzz targets: a micro SpikingBrain checkpoint (vocab 32, hidden 16,
2 layers: one GLA, one SWA) as sharded BF16 safetensors and as single-file torch .bin (classic zip and
ZIP64), and a micro Qwen2 tokenizer (the first 400 ids of the published vocabulary, the merges among them,
three added tokens) in both HF layouts. Small on purpose: each seed is a fuzz input, and a few KB lets the
fuzzer run thousands of inputs a minute and spend its mutations on structure rather than weights.

    python3 fuzz/src/test/python/make_fuzz_seeds.py        # from the repository root; numpy only

Deterministic (numpy default_rng(SEED)): rerunning gives identical bytes. Uses the writers of the tiny
test fixtures (model/src/test/python), so the layouts are the ones those fixtures document.
"""
import gzip
import json
import os
import shutil
import sys
from collections import OrderedDict

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "model", "src", "test", "python"))
import make_tiny_fixtures as mtf                    # noqa: E402
from torch_zip_writer import torch_save_state_dict  # noqa: E402

SEED = 20261206
RES = os.path.join(ROOT, "fuzz", "src", "test", "resources")
SEEDS = os.path.join(RES, "seeds")
INPUTS = os.path.join(RES, "io", "spikert", "fuzz")
PUBLISHED = os.path.join(ROOT, "model", "src", "main", "resources", "io", "spikert", "model", "published")

mtf.TINY = dict(vocab_size=32, hidden_size=16, num_attention_heads=2, num_key_value_heads=1,
                intermediate_size=16, num_hidden_layers=2, attn_layers=[1], sliding_window=3,
                rope_theta=10000.0, norm_eps=1e-6, max_position_embeddings=64,
                bos_token_id=31, eos_token_id=31)
mtf.SHARED_STORAGE = {1: ("attn.v_proj.bias", "attn.k_proj.bias")}
TOKENIZER_IDS = 400
ADDED = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def json_bytes(obj, sort_keys=False):
    return (json.dumps(obj, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n").encode()


def seed_input(target, method, name, data):
    """A committed input of one fuzz target: seed in fuzzing mode, regression case otherwise."""
    write(os.path.join(INPUTS, target + "Inputs", method, name), data)


def checkpoint():
    rng = np.random.default_rng(SEED)
    cfg = mtf.tiny_config("bfloat16")
    w32 = mtf.make_weights(cfg, rng)
    bf16 = OrderedDict((n, mtf.f32_to_bf16_bits(a)) for n, a in w32.items())
    names = list(w32)
    in_first = lambda n: n == "model.embeddings.weight" or n.startswith("model.layers.0.")  # noqa: E731
    shards = {1: [n for n in names if in_first(n)], 2: [n for n in names if not in_first(n)]}
    config = json_bytes(cfg)

    st = os.path.join(SEEDS, "micro-safetensors")
    shutil.rmtree(st, ignore_errors=True)
    write(os.path.join(st, "config.json"), config)
    weight_map, total, files = {}, 0, {}
    for s in (1, 2):
        fname = f"model-0000{s}-of-00002.safetensors"
        files[s] = mtf.safetensors_bytes([(n, "BF16", bf16[n].shape, bf16[n].tobytes()) for n in shards[s]])
        write(os.path.join(st, fname), files[s])
        for n in shards[s]:
            weight_map[n] = fname
            total += bf16[n].nbytes
    index = json_bytes({"metadata": {"total_size": total}, "weight_map": weight_map}, sort_keys=True)
    write(os.path.join(st, "model.safetensors.index.json"), index)
    seed_input("SafetensorsBytesFuzzTest", "safetensorsShard", "seed-shard1.safetensors", files[1])
    seed_input("ShardIndexFuzzTest", "shardIndex", "seed-index.json", index)
    seed_input("ConfigJsonBytesFuzzTest", "configJsonBytes", "seed-config.json", config)

    bins = os.path.join(SEEDS, "micro-bin")
    shutil.rmtree(bins, ignore_errors=True)
    write(os.path.join(bins, "config.json"), config)
    tensors = mtf.bin_shard_tensors(names, bf16)
    classic = torch_save_state_dict(tensors, "archive", True, False, f"{SEED:020d}{1:020d}")
    zip64 = torch_save_state_dict(tensors, "pytorch_model", False, True, f"{SEED:020d}{2:020d}")
    write(os.path.join(bins, "pytorch_model.bin"), classic)
    seed_input("TorchBinFuzzTest", "torchBin", "seed-classic.bin", classic)
    seed_input("TorchBinFuzzTest", "torchBin", "seed-zip64.bin", zip64)
    import zipfile, io                                 # noqa: E401
    with zipfile.ZipFile(io.BytesIO(classic)) as z:
        seed_input("TorchPickleFuzzTest", "torchPickle", "seed-data.pkl", z.read("archive/data.pkl"))


def tokenizer():
    with gzip.open(os.path.join(PUBLISHED, "vocab.json.gz"), "rt", encoding="utf-8") as f:
        full = json.load(f)
    vocab = OrderedDict(sorted(((t, i) for t, i in full.items() if i < TOKENIZER_IDS), key=lambda e: e[1]))
    merges = []
    with gzip.open(os.path.join(PUBLISHED, "merges.txt.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#version") or not line.strip():
                continue
            a, b = line.split(" ")
            if a in vocab and b in vocab and a + b in vocab:
                merges.append(line)
    added = {str(TOKENIZER_IDS + k): {"content": c, "lstrip": False, "normalized": False, "rstrip": False,
                                      "single_word": False, "special": True} for k, c in enumerate(ADDED)}
    tok_config = {"add_prefix_space": False, "added_tokens_decoder": added, "eos_token": "<|im_end|>",
                  "model_max_length": 64, "tokenizer_class": "Qwen2Tokenizer"}
    slow = os.path.join(SEEDS, "micro-tokenizer")
    shutil.rmtree(slow, ignore_errors=True)
    vocab_bytes = json.dumps(vocab, ensure_ascii=False, separators=(",", ":")).encode()
    merges_bytes = ("#version: 0.2\n" + "\n".join(merges) + "\n").encode()
    config_bytes = json_bytes(tok_config)
    write(os.path.join(slow, "vocab.json"), vocab_bytes)
    write(os.path.join(slow, "merges.txt"), merges_bytes)
    write(os.path.join(slow, "tokenizer_config.json"), config_bytes)
    seed_input("VocabJsonFuzzTest", "vocabJson", "seed-vocab.json", vocab_bytes)
    seed_input("MergesTxtFuzzTest", "mergesTxt", "seed-merges.txt", merges_bytes)
    seed_input("AddedTokensFuzzTest", "addedTokens", "seed-tokenizer_config.json", config_bytes)

    fast = os.path.join(SEEDS, "micro-tokenizer-json")
    shutil.rmtree(fast, ignore_errors=True)
    tj = {"version": "1.0",
          "added_tokens": [{"id": TOKENIZER_IDS + k, "content": c, "single_word": False, "lstrip": False,
                            "rstrip": False, "normalized": False, "special": True} for k, c in enumerate(ADDED)],
          "normalizer": {"type": "NFC"},
          "model": {"type": "BPE", "vocab": vocab, "merges": merges}}
    tj_bytes = json.dumps(tj, ensure_ascii=False, separators=(",", ":")).encode()
    write(os.path.join(fast, "tokenizer.json"), tj_bytes)
    seed_input("TokenizerJsonFuzzTest", "tokenizerJson", "seed-tokenizer.json", tj_bytes)
    return len(vocab), len(merges)


if __name__ == "__main__":
    checkpoint()
    v, m = tokenizer()
    print(f"seeds written under {RES}: micro checkpoint, micro tokenizer ({v} ids, {m} merges)")
