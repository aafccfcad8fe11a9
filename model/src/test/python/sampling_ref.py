#!/usr/bin/env python3
"""Golden sampling distributions for SamplingReferenceTest, computed with torch the way vLLM's V1 sampler does
(vllm/model_executor/layers/utils.py apply_penalties, MinPLogitsProcessor, ops/topk_topp_sampler.py
apply_top_k_top_p), in float32 as vLLM runs it:

    penalties (repetition over prompt+output, then frequency, then presence over output)
    -> greedy argmax at temperature 0, else: / temperature -> min_p -> top_k -> top_p -> softmax

    /usr/bin/python3 model/src/test/python/sampling_ref.py [--out FILE]

Default output: model/src/test/resources/sampling/golden.json. Needs torch (Debian's python3-torch 1.13 does).
Running it twice gives identical bytes. Each case: the logits, the prompt and generated ids, the parameters, the
logits after the penalties, and the probabilities the draw uses (0 for dropped tokens; one-hot when greedy).
"""
import argparse
import json
import os

import torch


def apply_penalties(logits, prompt, generated, rep, freq, presence):
    vocab = logits.shape[0]
    prompt_mask = torch.zeros(vocab, dtype=torch.bool)
    if prompt:
        prompt_mask[torch.tensor(prompt, dtype=torch.long)] = True
    counts = torch.zeros(vocab, dtype=torch.long)
    for g in generated:
        counts[g] += 1
    output_mask = counts > 0
    reps = torch.full((vocab,), rep, dtype=torch.float32)
    reps[~(prompt_mask | output_mask)] = 1.0
    logits = torch.where(logits > 0, logits / reps, logits * reps)
    logits = logits - torch.tensor(freq, dtype=torch.float32) * counts
    logits = logits - torch.tensor(presence, dtype=torch.float32) * output_mask
    return logits


def apply_min_p(logits, min_p):
    probs = torch.softmax(logits, dim=-1)
    threshold = probs.max() * min_p
    return logits.masked_fill(probs < threshold, -float("inf"))


def apply_top_k_top_p(logits, k, p):
    logits_sort, logits_idx = logits.sort(dim=-1, descending=False)
    if k is not None:
        kth = logits_sort[logits_sort.shape[0] - min(k, logits_sort.shape[0])]  # k past the vocabulary keeps all
        logits_sort = logits_sort.masked_fill(logits_sort < kth, -float("inf"))
    if p is not None:
        probs_sum = torch.cumsum(logits_sort.softmax(dim=-1), dim=-1)
        mask = probs_sum <= 1 - p
        mask[-1] = False
        logits_sort = logits_sort.masked_fill(mask, -float("inf"))
    return logits_sort.scatter(dim=-1, index=logits_idx, src=logits_sort)


def reference(logits, prompt, generated, params):
    x = apply_penalties(logits, prompt, generated, params["repetition_penalty"], params["frequency_penalty"],
                        params["presence_penalty"])
    penalized = x.clone()
    if params["temperature"] == 0:
        probs = torch.zeros_like(x)
        probs[int(torch.argmax(x))] = 1.0
        return penalized, probs
    x = x / params["temperature"]
    if params["min_p"] > 0:
        x = apply_min_p(x, params["min_p"])
    k = params["top_k"] if params["top_k"] > 0 else None
    p = params["top_p"] if params["top_p"] < 1 else None
    if k is not None or p is not None:
        x = apply_top_k_top_p(x, k, p)
    return penalized, torch.softmax(x, dim=-1)


def params(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, presence=0.0, frequency=0.0, repetition=1.0):
    return {"temperature": temperature, "top_k": top_k, "top_p": top_p, "min_p": min_p,
            "presence_penalty": presence, "frequency_penalty": frequency, "repetition_penalty": repetition}


def cases():
    g = torch.Generator().manual_seed(20261207)
    small = torch.randn(16, generator=g) * 3
    medium = torch.randn(200, generator=g) * 2
    peaked = torch.randn(300, generator=g)
    peaked[17] = 30.0  # one token dominates: top_k must reach below exp(-16) of the largest weight
    ties = torch.tensor([1.0, 3.0, 3.0, 2.0, 3.0, 0.0, -1.0, 2.5])
    signed = torch.tensor([2.0, -2.0, 0.5, -0.5, 0.0, 4.0, -4.0, 1.0, 3.0, -3.0])
    out = [
        ("plain softmax", small, [], [], params()),
        ("temperature 0.7", small, [], [], params(temperature=0.7)),
        ("temperature 1.8", medium, [], [], params(temperature=1.8)),
        ("top_k 5", small, [], [], params(top_k=5)),
        ("top_k ties kept", ties, [], [], params(top_k=2)),
        ("top_k 1", medium, [], [], params(top_k=1, temperature=0.5)),
        ("top_k 50 below the first bound", peaked, [], [], params(top_k=50)),
        ("top_k larger than vocab", small, [], [], params(top_k=1000)),
        ("top_p 0.9", small, [], [], params(top_p=0.9)),
        ("top_p 0.5 temperature 1.3", medium, [], [], params(top_p=0.5, temperature=1.3)),
        ("top_p tiny keeps one", medium, [], [], params(top_p=1e-6)),
        ("min_p 0.1", small, [], [], params(min_p=0.1)),
        ("min_p 0.05 temperature 2", medium, [], [], params(min_p=0.05, temperature=2.0)),
        ("min_p 1 keeps the top", small, [], [], params(min_p=1.0)),
        ("min_p then top_k then top_p", medium, [], [], params(min_p=0.02, top_k=20, top_p=0.8, temperature=0.9)),
        ("presence and frequency", small, [1, 2], [3, 3, 5, 3, 7, 1], params(presence=0.6, frequency=0.4)),
        ("negative penalties", small, [], [0, 0, 9], params(presence=-1.5, frequency=-0.3)),
        ("repetition over prompt and output", signed, [0, 1, 4], [2, 3, 3], params(repetition=1.3)),
        ("repetition below 1", signed, [5, 6], [7], params(repetition=0.7)),
        ("all penalties with filters", medium, [10, 11, 12, 150], [11, 40, 40, 41, 199],
         params(repetition=1.2, presence=0.5, frequency=0.25, top_k=30, top_p=0.9, min_p=0.01, temperature=0.8)),
        ("greedy with penalties", small, [int(torch.argmax(small))], [int(torch.argmax(small))],
         params(temperature=0.0, repetition=2.0, presence=1.0)),
        ("greedy plain", medium, [], [], params(temperature=0.0)),
    ]
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "resources", "sampling", "golden.json")
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.normpath(default))
    args = ap.parse_args()
    result = []
    for name, logits, prompt, generated, p in cases():
        logits = logits.to(torch.float32)
        penalized, probs = reference(logits, prompt, generated, p)
        result.append({"name": name, "logits": logits.tolist(), "prompt": prompt, "generated": generated,
                       "params": p, "penalized": penalized.tolist(), "probabilities": probs.tolist()})
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"generator": "model/src/test/python/sampling_ref.py", "torch": torch.__version__,
                   "cases": result}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
