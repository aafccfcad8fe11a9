#!/usr/bin/python3
"""Times a SpikingBrain base-model prefill in PyTorch: the peer of SpikeRT's prefill figure (issue 11).

    /usr/bin/python3 bench/pytorch/spikingbrain_prefill.py --model DIR [--dtype bf16|fp32] [--threads N]
        [--prompt-tokens N] [--repeats R] [--json FILE] [--onednn-verbose]

DIR is a model folder in the published layout: config.json and model.safetensors, or shards with
model.safetensors.index.json. The prompt is synthetic, ids (i * 7919) mod vocab, the same every run.
Load = map the files, check and bind every tensor (widening to fp32 under --dtype fp32), and touch every
page once, so the prefill times do not include first reads of the file. Each repeat is one prefill of the
whole prompt from an empty state, ending in the last token's logits (as SpikeRT's Session.prefill). The
final line gives the median over the repeats.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_folder import SafetensorsFolder  # noqa: E402
from spikingbrain_torch import GLA_CHUNK, SWA_QUERY_BLOCK, Weights, forward, synthetic_ids, weight_bytes  # noqa: E402

DTYPES = {"bf16": torch.bfloat16, "fp32": torch.float32}


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text}")
    return value


def debian_torch_version():
    """The Debian package's version (torch.__version__ of Debian's build reads 1.13.0a0), or None."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "python3-torch"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def cpu_capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def proc_status_kib(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def mem_available_bytes():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_memory(folder, dtype):
    """Refuses a run whose fp32 copies of a 16-bit checkpoint cannot fit (e.g. fp32 on the 7B: 30 GB)."""
    widened = sum(t.numel() * 4 for t in folder.tensors.values() if t.element_size() < 4)
    if dtype == torch.float32 and widened:
        available = mem_available_bytes()
        if available is not None and widened > available:
            raise SystemExit(f"--dtype fp32 would widen {widened / 1e9:.1f} GB of 16-bit weights in {folder.folder} "
                             f"to fp32, but only {available / 1e9:.1f} GB of memory is available; use --dtype bf16")


def onednn_probe(w, tokens):
    """One product of the q_proj shape in the compute dtype with oneDNN's verbose log on (shows the kernel)."""
    x = torch.randn(tokens, w.d.H)
    print("oneDNN verbose for one [tokens x H] x [H x H] product in the compute dtype:", flush=True)
    with torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):
        F.linear(x.to(w.compute_dtype), w.layers[0]["q"])
    sys.stdout.flush()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model folder (config.json + safetensors)")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="bf16", help="dtype of the matrix products")
    ap.add_argument("--threads", type=positive_int, default=os.cpu_count(), help="torch.set_num_threads")
    ap.add_argument("--prompt-tokens", type=positive_int, default=512)
    ap.add_argument("--repeats", type=positive_int, default=3)
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
    ap.add_argument("--onednn-verbose", action="store_true", help="log the oneDNN kernel of one probe product")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    dtype = DTYPES[args.dtype]
    config_path = os.path.join(args.model, "config.json")
    try:
        with open(config_path) as f:
            config = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f"cannot read {config_path}: {e}")

    debian = debian_torch_version()
    print(f"torch {torch.__version__} (Debian python3-torch {debian or 'not found'}), python {platform.python_version()}")
    print(f"oneDNN/mkldnn available: {torch.backends.mkldnn.is_available()}; ATen CPU capability: {cpu_capability()}; "
          f"threads: {torch.get_num_threads()}")
    print(f"model: {args.model}; dtype of the products: {args.dtype}; prompt: {args.prompt_tokens} synthetic tokens; "
          f"GLA chunk {GLA_CHUNK}, SWA query block {SWA_QUERY_BLOCK}")

    t0 = time.perf_counter()
    folder = SafetensorsFolder(args.model)
    check_memory(folder, dtype)
    weights = Weights(folder, config, dtype)
    t_bind = time.perf_counter()
    folder.touch_pages()
    load_s = time.perf_counter() - t0
    touch_s = time.perf_counter() - t_bind
    print(f"load: {load_s:.2f} s ({len(folder.tensors)} tensors, {folder.total_bytes() / 1e9:.2f} GB in the files, "
          f"{weight_bytes(weights) / 1e9:.2f} GB bound; of which {touch_s:.2f} s touching the pages)")

    if args.onednn_verbose:
        onednn_probe(weights, args.prompt_tokens)

    ids = synthetic_ids(args.prompt_tokens, weights.d.vocab)
    times, top = [], None
    for r in range(args.repeats):
        start = time.perf_counter()
        with torch.inference_mode():
            logits = forward(weights, ids)
        elapsed = time.perf_counter() - start
        if not torch.isfinite(logits).all():
            raise SystemExit(f"repeat {r + 1}: the last token's logits are not all finite")
        top = int(logits[0].argmax())
        times.append(elapsed)
        print(f"repeat {r + 1}: prefill {elapsed:.2f} s = {args.prompt_tokens / elapsed:.2f} tokens/s "
              f"(last token's argmax {top})", flush=True)

    median = statistics.median(times)
    hwm = proc_status_kib("VmHWM")
    print(f"peak resident memory (VmHWM): {hwm / 1024 / 1024:.2f} GiB" if hwm else "peak resident memory: unknown")
    version = debian or torch.__version__
    print(f"prefill: {args.prompt_tokens} tokens, median {median:.2f} s = {args.prompt_tokens / median:.2f} tokens/s "
          f"({args.dtype}, {torch.get_num_threads()} threads, torch {version})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"model": args.model, "dtype": args.dtype, "threads": torch.get_num_threads(),
                       "torch": torch.__version__, "debian_python3_torch": debian,
                       "mkldnn_available": torch.backends.mkldnn.is_available(),
                       "cpu_capability": cpu_capability(), "prompt_tokens": args.prompt_tokens,
                       "load_s": load_s, "touch_pages_s": touch_s, "prefill_s": times,
                       "tokens_per_s": [args.prompt_tokens / t for t in times],
                       "median_prefill_s": median, "median_tokens_per_s": args.prompt_tokens / median,
                       "last_token_argmax": top, "vm_hwm_kib": hwm}, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
