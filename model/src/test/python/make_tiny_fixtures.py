#!/usr/bin/env python3
"""Deterministic tiny SpikingBrain (gla_swa) checkpoints in the published layouts, plus
golden outputs from the independent float64 reference (spikingbrain_ref.py).

    python3 model/src/test/python/make_tiny_fixtures.py [--out DIR] [--seed N]

Default output: model/src/test/resources/tiny/ (see the README.md written there).
Running it twice gives identical bytes.
"""
import argparse
import io
import json
import os
import pickle
import pickletools
import struct
import sys
import zipfile
from collections import OrderedDict

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spikingbrain_ref as ref                      # noqa: E402
from torch_zip_writer import (StorageRef, TensorRef, TorchPickle,  # noqa: E402
                              torch_save_state_dict, verify_pickle_against_cpython)

SEED = 20250917
N_IDS = 40
PUBLISHED_CONFIG = "/work/shared/spikingbrain-7b/config.json"

TINY = dict(vocab_size=512, hidden_size=64, num_attention_heads=4, num_key_value_heads=2,
            intermediate_size=96, num_hidden_layers=4, attn_layers=[1, 3], sliding_window=6,
            rope_theta=10000.0, norm_eps=1e-6, max_position_embeddings=4096,
            bos_token_id=511, eos_token_id=511)

# Shard split, as save_pretrained cuts the state dict in order: shard 1 holds the
# embeddings and layers 0-2 (more than 256 memo entries, so LONG_BINPUT/LONG_BINGET occur).
SHARD1_LAYERS = (0, 1, 2)
# (layer, storage-sharing pair): the second name lives at offset numel(first) in one storage
SHARED_STORAGE = {2: ("attn.v_proj.bias", "attn.k_proj.bias"), 3: ("attn.v_proj.bias", "attn.k_proj.bias")}


def published_config_keys():
    """The key set (and non-dimension values) of the published 7B config; a copy of it
    is embedded so the generator also runs where /work/shared is absent."""
    try:
        with open(PUBLISHED_CONFIG) as f:
            return json.load(f)
    except OSError:
        return json.loads(_PUBLISHED_CONFIG_COPY)


_PUBLISHED_CONFIG_COPY = """{"architectures": ["GLAswaForCausalLM"], "auto_map": {"AutoConfig":
"configuration_gla_swa.GLAswaConfig", "AutoModelForCausalLM": "modeling_gla_swa.GLAswaForCausalLM"},
"attention_dropout": 0.0, "attn_layers": [1], "attn_mode": "chunk", "bos_token_id": 151643,
"conv_size": 4, "elementwise_affine": true, "eos_token_id": 151643, "fuse_cross_entropy": true,
"hidden_act": "swish", "hidden_size": 3584, "initializer_range": 0.02, "intermediate_size": 18944,
"max_position_embeddings": 131072, "model_type": "gla_swa", "norm_eps": 1e-06,
"num_attention_heads": 28, "num_hidden_layers": 28, "num_key_value_heads": 4,
"rope_theta": 1000000.0, "sliding_window": 4096, "tie_word_embeddings": false,
"torch_dtype": "bfloat16", "transformers_version": "4.45.0", "use_cache": true,
"use_short_conv": false, "vocab_size": 152064}"""


def tiny_config(torch_dtype):
    cfg = published_config_keys()
    extra = set(TINY) - set(cfg)
    if extra:
        raise KeyError(f"tiny keys not in the published config: {sorted(extra)}")
    cfg.update(TINY)
    cfg["torch_dtype"] = torch_dtype
    return cfg


def tensor_specs(cfg):
    """(name, shape, init) in model.state_dict() order. init: ('normal', mean, std) or 'norm'."""
    H, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    D = H // cfg["num_attention_heads"]
    KVD = cfg["num_key_value_heads"] * D
    R = ref.GATE_LOW_RANK
    lin = lambda shape: ("normal", 0.0, 1.0 / np.sqrt(shape[1]))  # noqa: E731
    bias = ("normal", 0.0, 0.1)
    specs = [("model.embeddings.weight", (V, H), ("normal", 0.0, 1.0))]
    swa = ref.attn_layer_set(cfg)
    for L in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{L}."
        specs.append((p + "attn_norm.weight", (H,), "norm"))
        layer = [("attn.q_proj.weight", (H, H)), ("attn.q_proj.bias", (H,)),
                 ("attn.k_proj.weight", (KVD, H)), ("attn.k_proj.bias", (KVD,)),
                 ("attn.v_proj.weight", (KVD, H)), ("attn.v_proj.bias", (KVD,))]
        if L not in swa:
            layer += [("attn.gk_proj.0.weight", (R, H)), ("attn.gk_proj.1.weight", (KVD, R)),
                      ("attn.gk_proj.1.bias", (KVD,))]
        layer += [("attn.o_proj.weight", (H, H))]
        if L not in swa:
            layer += [("attn.g_norm.weight", (D,))]
        for name, shape in layer:
            if name == "attn.gk_proj.1.bias":
                init = ("normal", 1.0, 1.0)           # decays exp(g) spread over (0, 1)
            elif name == "attn.g_norm.weight":
                init = "norm"
            elif len(shape) == 1:
                init = bias
            else:
                init = lin(shape)
            specs.append((p + name, shape, init))
        specs.append((p + "mlp_norm.weight", (H,), "norm"))
        for name, shape in [("mlp.gate_proj.weight", (I, H)), ("mlp.up_proj.weight", (I, H)),
                            ("mlp.down_proj.weight", (H, I))]:
            specs.append((p + name, shape, lin(shape)))
    specs.append(("model.norm.weight", (H,), "norm"))
    specs.append(("lm_head.weight", (V, H), ("normal", 0.0, 1.0 / np.sqrt(H))))
    return specs


def make_weights(cfg, rng):
    w = OrderedDict()
    for name, shape, init in tensor_specs(cfg):
        if init == "norm":
            x = 1.0 + rng.normal(0.0, 0.1, size=shape)
        else:
            _, mean, std = init
            x = rng.normal(mean, std, size=shape)
        w[name] = x.astype(np.float32)
    return w


def f32_to_bf16_bits(x):
    """Round-to-nearest-even float32 -> bfloat16 bit patterns (uint16). Inputs are finite."""
    b = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    b = (b + 0x7FFF + ((b >> 16) & 1)) >> 16
    return b.astype(np.uint16)


def bf16_bits_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


# ------------------------------------------------------------------ safetensors

def safetensors_bytes(named):
    """named: list of (name, dtype_str, shape, raw bytes). Layout as the safetensors
    library writes it: 8-byte LE header length, compact JSON header (__metadata__ first,
    tensors ordered by dtype alignment then name), space padding to 8, then data."""
    align = {"F32": 4, "BF16": 2}
    order = sorted(named, key=lambda t: (-align[t[1]], t[0]))
    header = OrderedDict([("__metadata__", OrderedDict([("format", "pt")]))])
    offset, blobs = 0, []
    for name, dt, shape, raw in order:
        header[name] = OrderedDict([("dtype", dt), ("shape", list(shape)),
                                    ("data_offsets", [offset, offset + len(raw)])])
        offset += len(raw)
        blobs.append(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        dt = {"F32": np.float32, "BF16": np.uint16}[info["dtype"]]
        out[name] = (info["dtype"], np.frombuffer(data[8 + n + a: 8 + n + b], dtype=dt).reshape(info["shape"]))
    return out


# ------------------------------------------------------------------ writing

def write_json(path, obj, sort_keys=False):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=sort_keys)
        f.write("\n")


def shard_of(name):
    if name.startswith("model.layers."):
        return 1 if int(name.split(".")[2]) in SHARD1_LAYERS else 2
    return 1 if name == "model.embeddings.weight" else 2


def bin_shard_tensors(names, bf16):
    """(name, TensorRef) for one .bin shard; SHARED_STORAGE pairs share one storage."""
    refs = {}
    for L, (first, second) in SHARED_STORAGE.items():
        a, b = f"model.layers.{L}.{first}", f"model.layers.{L}.{second}"
        if a in names and b in names:
            data = bf16[a].tobytes() + bf16[b].tobytes()
            st = StorageRef(data, bf16[a].size + bf16[b].size)
            refs[a] = TensorRef(st, 0, bf16[a].shape)
            refs[b] = TensorRef(st, bf16[a].size, bf16[b].shape)
    out = []
    for n in names:
        if n not in refs:
            refs[n] = TensorRef(StorageRef(bf16[n].tobytes(), bf16[n].size), 0, bf16[n].shape)
        out.append((n, refs[n]))
    return out


def write_all(out_dir, seed):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, TINY["vocab_size"], size=N_IDS).tolist()
    cfg32 = tiny_config("float32")
    cfg16 = tiny_config("bfloat16")
    w32 = make_weights(cfg32, rng)
    bf16 = OrderedDict((n, f32_to_bf16_bits(a)) for n, a in w32.items())
    w16 = OrderedDict((n, bf16_bits_to_f32(b)) for n, b in bf16.items())
    names = list(w32)
    shard_names = {1: [n for n in names if shard_of(n) == 1], 2: [n for n in names if shard_of(n) == 2]}

    # a) f32 single file
    d = os.path.join(out_dir, "f32")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "config.json"), cfg32)
    with open(os.path.join(d, "model.safetensors"), "wb") as f:
        f.write(safetensors_bytes([(n, "F32", a.shape, a.tobytes()) for n, a in w32.items()]))

    # b) bf16 safetensors, 2 shards + index
    d = os.path.join(out_dir, "bf16-safetensors")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "config.json"), cfg16)
    weight_map, total = {}, 0
    for s in (1, 2):
        fname = f"model-0000{s}-of-00002.safetensors"
        with open(os.path.join(d, fname), "wb") as f:
            f.write(safetensors_bytes([(n, "BF16", bf16[n].shape, bf16[n].tobytes()) for n in shard_names[s]]))
        for n in shard_names[s]:
            weight_map[n] = fname
            total += bf16[n].nbytes
    write_json(os.path.join(d, "model.safetensors.index.json"),
               {"metadata": {"total_size": total}, "weight_map": weight_map}, sort_keys=True)

    # c) bf16 torch .bin, 2 shards + index
    d = os.path.join(out_dir, "bf16-bin")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "config.json"), cfg16)
    weight_map = {}
    shard_layout = {1: dict(archive="archive", ordered=True, large=False),
                    2: dict(archive="pytorch_model-00002-of-00002", ordered=False, large=True)}
    for s in (1, 2):
        fname = f"pytorch_model-0000{s}-of-00002.bin"
        tensors = bin_shard_tensors(shard_names[s], bf16)
        lay = shard_layout[s]
        sid = f"{seed:020d}{s:020d}"
        blob = torch_save_state_dict(tensors, lay["archive"], lay["ordered"], lay["large"], sid)
        with open(os.path.join(d, fname), "wb") as f:
            f.write(blob)
        for n in shard_names[s]:
            weight_map[n] = fname
    write_json(os.path.join(d, "pytorch_model.bin.index.json"),
               {"metadata": {"total_size": total}, "weight_map": weight_map}, sort_keys=True)

    # d) golden outputs
    d = os.path.join(out_dir, "golden")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "ids.json"), ids)
    logits32, hidden32 = ref.forward(w32, cfg32, ids)
    logits16, _ = ref.forward(w16, cfg16, ids)
    logits32.astype("<f4").tofile(os.path.join(d, "logits-f32.bin"))
    logits16.astype("<f4").tofile(os.path.join(d, "logits-bf16.bin"))
    # --precision bf16: every product's input rounded to BF16 (the whole-sequence form; selftest ties it to forward)
    logits16act = ref.forward_parallel(w16, cfg16, ids, act=ref.bf16_activation)
    logits16act.astype("<f4").tofile(os.path.join(d, "logits-bf16-activations.bin"))
    for L, h in enumerate(hidden32):
        h.astype("<f4").tofile(os.path.join(d, f"hidden-f32-layer{L}.bin"))
    return dict(ids=ids, w32=w32, bf16=bf16, shard_names=shard_names, layout=shard_layout,
                logits32=logits32, logits16=logits16, logits16act=logits16act, cfg32=cfg32)


# ------------------------------------------------------------------ verification

class _StubUnpickler(pickle.Unpickler):
    """Restricted unpickler: only the globals torch.save emits for a state dict."""

    def __init__(self, f, zf, prefix):
        super().__init__(f)
        self.zf, self.prefix = zf, prefix
        self.loaded = {}

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return self.rebuild
        if module == "torch" and name == "BFloat16Storage":
            return "BFloat16Storage"
        raise pickle.UnpicklingError(f"unexpected global {module}.{name}")

    def persistent_load(self, pid):
        tag, storage_type, key, location, numel = pid
        assert tag == "storage" and storage_type == "BFloat16Storage" and location == "cpu", pid
        if key not in self.loaded:
            raw = self.zf.read(self.prefix + "data/" + key)
            assert len(raw) == 2 * numel, (key, len(raw), numel)
            self.loaded[key] = np.frombuffer(raw, dtype="<u2")
        return self.loaded[key]

    @staticmethod
    def rebuild(storage, offset, size, stride, requires_grad, hooks):
        assert requires_grad is False and hooks == OrderedDict()
        return np.lib.stride_tricks.as_strided(storage[offset:], shape=size,
                                               strides=[s * 2 for s in stride]).copy()


def verify_bin_shard(path, expected_names, bf16, lay):
    """Re-read one .bin shard with independent tools (zipfile, pickletools, pickle)."""
    with open(path, "rb") as f:
        blob = f.read()
    zf = zipfile.ZipFile(io.BytesIO(blob))
    assert zf.testzip() is None, f"{path}: CRC mismatch"
    infos = zf.infolist()
    prefix = lay["archive"] + "/"
    names = [i.filename for i in infos]
    keys = sorted((n[len(prefix + "data/"):] for n in names if n.startswith(prefix + "data/")))
    expect = ([prefix + "data.pkl", prefix + "byteorder"] + [prefix + "data/" + k for k in keys]
              + [prefix + "version", prefix + ".data/serialization_id"])
    assert names == expect, f"{path}: record order {names}"
    for i in infos:
        assert i.compress_type == zipfile.ZIP_STORED
        name_len, extra_len = struct.unpack("<HH", blob[i.header_offset + 26: i.header_offset + 30])
        data_ofs = i.header_offset + 30 + name_len + extra_len
        assert data_ofs % 64 == 0, f"{i.filename}: data at {data_ofs} not 64-aligned"
        assert blob[data_ofs: data_ofs + i.file_size] == zf.read(i.filename)
    assert zf.read(prefix + "version") == b"3\n" and zf.read(prefix + "byteorder") == b"little"
    if lay["large"]:
        assert b"PK\x06\x06" in blob[-200:] and any(len(i.extra) >= 28 for i in infos)
        assert struct.unpack("<I", blob[-6:-2])[0] == 0xFFFFFFFF   # EOCD points to zip64 record
    pkl = zf.read(prefix + "data.pkl")
    ops = {op.name for op, _, _ in pickletools.genops(pkl)}
    allowed = {"PROTO", "GLOBAL", "BINPUT", "LONG_BINPUT", "BINGET", "LONG_BINGET", "EMPTY_TUPLE",
               "REDUCE", "EMPTY_DICT", "MARK", "BINUNICODE", "BININT1", "BININT2", "BININT",
               "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "BINPERSID", "NEWFALSE", "SETITEMS", "SETITEM", "STOP"}
    assert ops <= allowed, f"unexpected opcodes {ops - allowed}"
    pickletools.dis(pkl, out=io.StringIO())        # structurally valid (MARK/stack checks)
    sd = _StubUnpickler(io.BytesIO(pkl), zf, prefix).load()
    assert isinstance(sd, OrderedDict) == lay["ordered"]
    assert list(sd) == expected_names, f"{path}: names/order differ"
    for n, a in sd.items():
        assert a.dtype == np.uint16 and a.shape == bf16[n].shape and np.array_equal(a, bf16[n]), n
    return ops


def verify(out_dir, r):
    bf16, shard_names = r["bf16"], r["shard_names"]
    # pickles are byte-identical to CPython's pickler over torch's object graph
    for s in (1, 2):
        tensors = bin_shard_tensors(shard_names[s], bf16)
        emitted, _ = TorchPickle().state_dict(tensors, r["layout"][s]["ordered"])
        verify_pickle_against_cpython(tensors, r["layout"][s]["ordered"], emitted)
    ops = set()
    for s in (1, 2):
        ops |= verify_bin_shard(os.path.join(out_dir, "bf16-bin", f"pytorch_model-0000{s}-of-00002.bin"),
                                shard_names[s], bf16, r["layout"][s])
    assert {"LONG_BINPUT", "LONG_BINGET", "BININT2"} <= ops, f"coverage: only {sorted(ops)}"
    # safetensors round trip
    st = read_safetensors(os.path.join(out_dir, "f32", "model.safetensors"))
    assert list(r["w32"]) == [n for n in r["w32"] if n in st] and len(st) == len(r["w32"])
    for n, a in r["w32"].items():
        assert st[n][0] == "F32" and np.array_equal(st[n][1], a), n
    with open(os.path.join(out_dir, "bf16-safetensors", "model.safetensors.index.json")) as f:
        index = json.load(f)
    for n, fname in index["weight_map"].items():
        got = read_safetensors(os.path.join(out_dir, "bf16-safetensors", fname))[n]
        assert got[0] == "BF16" and np.array_equal(got[1], bf16[n]), n
    assert len(index["weight_map"]) == len(bf16)
    # bf16 rounding is round-to-nearest-even (checked against exact float64 arithmetic)
    for a, b in zip(r["w32"].values(), bf16.values()):
        x = a.astype(np.float64).ravel()
        y = bf16_bits_to_f32(b).astype(np.float64).ravel()
        ulp = 2.0 ** (np.floor(np.log2(np.abs(y))) - 7)
        assert np.all(np.abs(x - y) <= ulp / 2 * (1 + 1e-12))
    # logits sanity
    for key in ("logits32", "logits16"):
        lg = r[key]
        assert np.all(np.isfinite(lg)) and lg.std() > 0.1, key
        p = np.exp(lg - lg.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        assert np.median(p.max(axis=1)) < 0.9, f"{key}: softmax nearly one-hot"
        assert len(set(lg.argmax(axis=1).tolist())) > 5, f"{key}: argmax nearly constant"
    diff = np.abs(r["logits32"] - r["logits16"]).max()
    assert 0 < diff < 0.25 * r["logits32"].std(), diff
    # BF16 activations move the logits, by far less than BF16 weights do, and not at all for an identity rounding
    act = np.abs(r["logits16act"] - r["logits16"])
    assert 1e-4 * r["logits16"].std() < act.max() < 0.1 * r["logits16"].std(), act.max()
    print(f"bf16 activations: max |logit change| {act.max():.3e}, median {np.median(act):.3e}")
    return ops, diff


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "resources", "tiny")))
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    r = write_all(args.out, args.seed)
    ops, diff = verify(args.out, r)
    lg = r["logits32"]
    p = np.exp(lg - lg.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    print(f"wrote {args.out}")
    print(f"logits f32: mean {lg.mean():.4f} std {lg.std():.4f} min {lg.min():.3f} max {lg.max():.3f}; "
          f"max softmax prob median {np.median(p.max(axis=1)):.3f}; |f32 - bf16| max {diff:.4f}")
    print(f"verified: pickle bytes == CPython pickler; zip/pickle/safetensors re-read; opcodes {sorted(ops)}")


if __name__ == "__main__":
    main()
