#!/usr/bin/python3
"""Tests of the PyTorch peer: the reader's errors and the forward against the float64 reference.

    /usr/bin/python3 -m unittest discover -s bench/pytorch -p 'test_*.py'
"""
import json
import os
import struct
import sys
import tempfile
import unittest

import numpy as np
import torch

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
sys.path.insert(0, os.path.join(_HERE, "..", "..", "model", "src", "test", "python"))
import spikingbrain_ref as ref  # noqa: E402
from safetensors_folder import SafetensorsFolder  # noqa: E402
from spikingbrain_torch import Weights, forward  # noqa: E402

CONFIG = {"vocab_size": 50, "hidden_size": 32, "num_attention_heads": 4, "num_key_value_heads": 2,
          "intermediate_size": 40, "num_hidden_layers": 4, "attn_layers": [1, 3], "sliding_window": 5,
          "rope_theta": 10000.0, "norm_eps": 1e-6}


def write_safetensors(path, tensors, header_patch=None):
    """tensors: name -> float32 numpy array. header_patch(header) may corrupt the header before writing."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, a in tensors.items():
        data = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if header_patch:
        header_patch(header)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


class ReaderErrors(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.a = np.arange(6, dtype=np.float32).reshape(2, 3)

    def test_reads_a_single_file(self):
        write_safetensors(os.path.join(self.dir.name, "model.safetensors"), {"a": self.a})
        got = SafetensorsFolder(self.dir.name)["a"]
        self.assertEqual(got.dtype, torch.float32)
        np.testing.assert_array_equal(got.numpy(), self.a)

    def test_bad_offsets_name_file_and_tensor(self):
        def patch(h):
            h["a"]["data_offsets"][1] += 4
        write_safetensors(os.path.join(self.dir.name, "model.safetensors"), {"a": self.a}, patch)
        with self.assertRaisesRegex(ValueError, r"model\.safetensors: tensor 'a' .*data_offsets"):
            SafetensorsFolder(self.dir.name)

    def test_unsupported_dtype_is_named(self):
        def patch(h):
            h["a"]["dtype"] = "I64"
        write_safetensors(os.path.join(self.dir.name, "model.safetensors"), {"a": self.a}, patch)
        with self.assertRaisesRegex(ValueError, r"tensor 'a' has dtype I64"):
            SafetensorsFolder(self.dir.name)

    def test_index_naming_a_missing_shard(self):
        with open(os.path.join(self.dir.name, "model.safetensors.index.json"), "w") as f:
            json.dump({"weight_map": {"a": "model-00001-of-00002.safetensors"}}, f)
        with self.assertRaisesRegex(ValueError, r"'a' is mapped to model-00001-of-00002\.safetensors"):
            SafetensorsFolder(self.dir.name)

    def test_shard_missing_a_tensor_the_index_lists(self):
        write_safetensors(os.path.join(self.dir.name, "s1.safetensors"), {"a": self.a})
        with open(os.path.join(self.dir.name, "model.safetensors.index.json"), "w") as f:
            json.dump({"weight_map": {"a": "s1.safetensors", "b": "s1.safetensors"}}, f)
        with self.assertRaisesRegex(ValueError, r"s1\.safetensors: the index lists \['b'\]"):
            SafetensorsFolder(self.dir.name)

    def test_wrong_shape_names_the_tensor(self):
        w = {k: torch.from_numpy(v.astype(np.float32)) for k, v in
             ref.random_weights(CONFIG, np.random.default_rng(1)).items()}
        w["model.layers.2.attn.g_norm.weight"] = torch.ones(9)
        with self.assertRaisesRegex(ValueError, r"'model\.layers\.2\.attn\.g_norm\.weight' has shape \[9\]"):
            Weights(w, CONFIG, torch.float32)


class ForwardAgainstReference(unittest.TestCase):
    """fp32 torch prefill vs the float64 token-by-token reference, on a prompt spanning several chunks."""

    def check(self, weights, config, ids, **grouping):
        want = ref.forward(weights, config, ids)[0]
        w = Weights({k: torch.from_numpy(v.astype(np.float32)) for k, v in weights.items()}, config, torch.float32)
        with torch.inference_mode():
            got = forward(w, torch.tensor(ids), all_logits=True, **grouping).double().numpy()
        err = (np.abs(got - want).max(axis=1) / np.abs(want).max(axis=1)).max()
        self.assertTrue(np.isfinite(got).all())
        self.assertLess(err, 1e-5)
        last = forward(w, torch.tensor(ids), **grouping).double().numpy()
        np.testing.assert_allclose(last[0], got[-1], rtol=0, atol=1e-5 * np.abs(got[-1]).max())

    def test_several_chunks_and_blocks(self):
        rng = np.random.default_rng(7)
        weights, ids = ref.random_weights(CONFIG, rng), rng.integers(0, 50, size=29).tolist()
        self.check(weights, CONFIG, ids, gla_chunk=8, swa_block=4)
        self.check(weights, CONFIG, ids)          # default grouping

    def test_strong_decay_does_not_overflow(self):
        # g about -2.5 per token: e^{b_t - b_s} spans e^-75 within a chunk of 32
        rng = np.random.default_rng(8)
        weights, ids = ref.random_weights(CONFIG, rng), rng.integers(0, 50, size=40).tolist()
        for L in (0, 2):
            name = f"model.layers.{L}.attn.gk_proj.1.bias"
            weights[name] = np.full(weights[name].shape, -40.0)
        self.check(weights, CONFIG, ids)

    def test_window_matters(self):
        # the same weights with a wider window must give different late logits (the window is applied)
        rng = np.random.default_rng(9)
        weights, ids = ref.random_weights(CONFIG, rng), rng.integers(0, 50, size=20).tolist()
        tw = {k: torch.from_numpy(v.astype(np.float32)) for k, v in weights.items()}
        narrow = forward(Weights(tw, CONFIG, torch.float32), torch.tensor(ids))
        wide = forward(Weights(tw, dict(CONFIG, sliding_window=19), torch.float32), torch.tensor(ids))
        self.assertGreater((narrow - wide).abs().max().item(), 1e-4)


if __name__ == "__main__":
    unittest.main()
