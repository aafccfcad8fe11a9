#!/usr/bin/python3
"""Checks the torch prefill against the repository's golden logits of the tiny model.

    /usr/bin/python3 bench/pytorch/check_tiny.py [--dtype fp32|bf16] [--model DIR] [--golden DIR]
                                                 [--logits FILE] [--tolerance X]

Runs the prefill of golden/ids.json on the model (default: the tiny BF16 safetensors fixture, two shards
and an index) with logits for every position and compares them with golden/logits-bf16.bin (float32
little-endian [tokens, vocab], from the float64 reference spikingbrain_ref.py on the same bf16 weights).
The error of a token is max |logit - golden| / max |golden| over that token's vocabulary; the check
fails (exit 1) if the worst token's error exceeds the tolerance (default 1e-5 for fp32, 5e-2 for bf16).

The 40-token prompt spans two GLA chunks (32) and one SWA query block (256), so the prefill runs twice:
with the default grouping, and with GLA chunks of 7 tokens and SWA blocks of 5 queries, which carries
the GLA state across five chunk boundaries and makes SWA blocks start inside the window (W = 6). Both
must match.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_folder import SafetensorsFolder  # noqa: E402
from spikingbrain_torch import Weights, forward  # noqa: E402

_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
_TINY = os.path.join(_ROOT, "model", "src", "test", "resources", "tiny")
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}
DEFAULT_TOLERANCE = {"fp32": 1e-5, "bf16": 5e-2}


def per_token_error(logits, golden):
    """max |logits - golden| / max |golden|, per token (row)."""
    return np.abs(logits - golden).max(axis=1) / np.abs(golden).max(axis=1)


SMALL_GROUPING = {"gla_chunk": 7, "swa_block": 5}


def run(model_dir, golden_dir, golden_path, dtype_name, tolerance):
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    ids_path = os.path.join(golden_dir, "ids.json")
    with open(ids_path) as f:
        ids = json.load(f)
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise ValueError(f"{ids_path}: expected a JSON list of token ids")
    golden = np.fromfile(golden_path, dtype="<f4")
    vocab = int(config["vocab_size"])
    if golden.size != len(ids) * vocab:
        raise ValueError(f"{golden_path}: {golden.size} floats, expected {len(ids)} tokens x {vocab} vocab")
    golden = golden.reshape(len(ids), vocab).astype(np.float64)

    weights = Weights(SafetensorsFolder(model_dir), config, DTYPES[dtype_name])
    print(f"{dtype_name}: {len(ids)} tokens x {vocab} logits of {model_dir} vs {golden_path}")
    all_ok = True
    for label, grouping in (("default grouping", {}), ("GLA chunk 7, SWA block 5", SMALL_GROUPING)):
        with torch.inference_mode():
            logits = forward(weights, torch.tensor(ids, dtype=torch.long), all_logits=True, **grouping)
        logits = logits.double().numpy()
        err = per_token_error(logits, golden)
        agree = float((logits.argmax(axis=1) == golden.argmax(axis=1)).mean())
        ok = bool(np.isfinite(logits).all()) and err.max() <= tolerance
        all_ok &= ok
        print(f"  {label}: max error / max|logit| per token: worst {err.max():.3e} (token {int(err.argmax())}), "
              f"median {np.median(err):.3e}; argmax agrees on {agree:.0%} of tokens; "
              f"tolerance {tolerance:.0e}: {'OK' if ok else 'MISMATCH'}")
    return all_ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="fp32")
    ap.add_argument("--model", default=os.path.join(_TINY, "bf16-safetensors"))
    ap.add_argument("--golden", default=os.path.join(_TINY, "golden"))
    ap.add_argument("--logits", default=None, help="golden logits file (default: GOLDEN/logits-bf16.bin)")
    ap.add_argument("--tolerance", type=float, default=None)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    tolerance = args.tolerance if args.tolerance is not None else DEFAULT_TOLERANCE[args.dtype]
    golden_path = args.logits or os.path.join(args.golden, "logits-bf16.bin")
    return 0 if run(args.model, args.golden, golden_path, args.dtype, tolerance) else 1


if __name__ == "__main__":
    sys.exit(main())
