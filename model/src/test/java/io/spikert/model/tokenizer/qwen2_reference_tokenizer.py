#!/usr/bin/env python3
"""Independent reference for the Java tokenizer tests (not used by the build).

Written from the published algorithm, not from the Java code: the Qwen2 pre-tokenizer regex run
with the `regex` module (Unicode \\s and case folding, like Oniguruma in HF tokenizers), GPT-2's
bytes_to_unicode, and GPT-2's original BPE loop (merge every occurrence of the lowest-ranked pair,
repeat), which differs in form from the Java heap-based merge. Added tokens are cut out of the raw
text leftmost-longest before NFC, as HF's fast tokenizer does.

Usage:
  python3 qwen2_reference_tokenizer.py MODEL_DIR split TEXT_AS_JSON     -> JSON list of words
  python3 qwen2_reference_tokenizer.py MODEL_DIR encode TEXT_AS_JSON    -> JSON list of ids
  python3 qwen2_reference_tokenizer.py MODEL_DIR golden                 -> the GOLDEN cases as Java
  python3 qwen2_reference_tokenizer.py MODEL_DIR cases N SEED           -> N random cases as JSON lines
      (reference_cases.jsonl beside this file was made with N=400, SEED=42)
"""
import json
import sys
import unicodedata

import regex

PATTERN = regex.compile(
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_TO_CHAR = bytes_to_unicode()


def load(model_dir):
    vocab = json.load(open(f"{model_dir}/vocab.json", encoding="utf-8"))
    ranks = {}
    with open(f"{model_dir}/merges.txt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            line = line.strip()
            if (i == 0 and line.startswith("#version")) or not line:
                continue
            a, b = line.split()
            ranks.setdefault((a, b), len(ranks))
    added = {k: v for k, v in json.load(open(f"{model_dir}/added_tokens.json", encoding="utf-8")).items()}
    return vocab, ranks, added


def bpe(word, ranks):
    parts = list(word)
    while len(parts) > 1:
        pairs = {(parts[i], parts[i + 1]) for i in range(len(parts) - 1)}
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        merged, i = [], 0
        while i < len(parts):
            if i < len(parts) - 1 and (parts[i], parts[i + 1]) == best:
                merged.append(parts[i] + parts[i + 1])
                i += 2
            else:
                merged.append(parts[i])
                i += 1
        parts = merged
    return parts


def split(text):
    return PATTERN.findall(unicodedata.normalize("NFC", text))


def encode_ordinary(text, vocab, ranks):
    ids = []
    for word in split(text):
        mapped = "".join(BYTE_TO_CHAR[b] for b in word.encode("utf-8"))
        ids.extend(vocab[p] for p in bpe(mapped, ranks))
    return ids


def encode(text, vocab, ranks, added):
    ids, start, i = [], 0, 0
    by_length = sorted(added, key=len, reverse=True)
    while i < len(text):
        hit = next((t for t in by_length if text.startswith(t, i)), None)
        if hit is None:
            i += 1
            continue
        ids.extend(encode_ordinary(text[start:i], vocab, ranks))
        ids.append(added[hit])
        i += len(hit)
        start = i
    ids.extend(encode_ordinary(text[start:], vocab, ranks))
    return ids


# Texts whose reference ids the Java test pins down (TokenizerGoldenTest).
GOLDEN = [
    "The capital of France is",
    "Hello, how are you?",
    "I'm sure they'll say DON'T, we've, you'd, she's, it'S",
    "  leading spaces,\ttabs\t\tand\n\n\ntrailing   \n  ",
    "Numbers 12345 and 3.14159, x=-7e10",
    "日本語のテキストと中文文本。한국어 텍스트",
    "Emoji: 😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷",
    "Cafe\u0301 vs Café, e\u0301\u0302 and Å",
    "def f(x):\n    return x**2  # square\n",
    "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
    "<tool_call>{\"a\": 1}</tool_call><|endoftext|>",
    "non\u00a0breaking\u3000ideographic\u2028line",
    "'ſ long s and Kelvin \u212a",
    "Über straße ÇA VA? ¿Qué tal? Привет, мир!",
    "=====#####!!!!....\r\n\r\n",
]


# Pieces for random cases: whitespace of every kind, contractions, digits of several scripts,
# combining marks (NFC changes them), emoji, added tokens and near misses.
PIECES = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\x1c", "\x0b", "\x85", "'", "'s", "'S", "'ll",
          "'\u017f", "a", "Z", "hello", " world", "1", "42", "\u0661", "\u00bd", "\u2167", ".", "!!", "?", "=", "#", "(",
          "){", "\u4e2d\u6587", "\u65e5", "\ud55c", "\U0001F600", "\U0001F468\u200d\U0001F469", "e\u0301", "\u0301",
          "\u0302", "\u212b", "\ufb01", "<|im_end|>", "<tool_call>", "<|im", "\u0410\u0411", "\u0627\u0644", "\u200b",
          "\u00ad", "\x00", "\x7f", "\u180e", "\ufeff", "\U00010400", "\U0001D400", "\u00df", "\u0130", "\u0131"]


def random_cases(n, seed, vocab, ranks, added):
    import random
    rnd = random.Random(seed)
    for _ in range(n):
        text = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 15)))
        yield {"text": text, "ids": encode(text, vocab, ranks, added)}


def main():
    model_dir, mode = sys.argv[1], sys.argv[2]
    vocab, ranks, added = load(model_dir)
    if mode == "split":
        print(json.dumps(split(json.loads(sys.argv[3])), ensure_ascii=False))
    elif mode == "encode":
        print(json.dumps(encode(json.loads(sys.argv[3]), vocab, ranks, added)))
    elif mode == "golden":
        for text in GOLDEN:
            java = json.dumps(text, ensure_ascii=True)
            print(f"        golden({java},\n                {', '.join(map(str, encode(text, vocab, ranks, added)))});")
            print(f"        // words: {json.dumps(split(text) if '<|' not in text and '<tool' not in text else [], ensure_ascii=True)}")

    elif mode == "cases":
        for case in random_cases(int(sys.argv[3]), int(sys.argv[4]), vocab, ranks, added):
            print(json.dumps(case, ensure_ascii=True))


if __name__ == "__main__":
    main()
