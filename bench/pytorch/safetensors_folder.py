"""Reads a model folder of safetensors files into torch tensors, without the `safetensors` package.

Layouts accepted (the published SpikingBrain ones and SpikeRT's synthetic bench checkpoint):
  - `model.safetensors.index.json` ({"weight_map": {name: shard file}}) plus the shards it names;
  - one `model.safetensors`;
  - otherwise exactly one `*.safetensors` file.

A safetensors file is: u64 little-endian header length N, N bytes of JSON
({name: {"dtype", "shape", "data_offsets": [begin, end]}, optional "__metadata__"}), then the data,
offsets relative to the end of the header. Each file is mapped once (copy-on-write, so torch gets a
writable array and nothing is ever written back); tensors are views of the mapping, BF16 read as raw
int16 (torch 1.13 has no uint16) and reinterpreted as torch.bfloat16. Nothing is copied here: `touch_pages` reads one byte per
page so that a later timing does not include the first touch of the file.
"""
import json
import os
import struct

import numpy as np
import torch

_DTYPES = {  # safetensors dtype -> (numpy storage type, torch type to reinterpret as, or None)
    "BF16": (np.int16, torch.bfloat16),     # raw bits; torch has no uint16
    "F16": (np.float16, None),
    "F32": (np.float32, None),
}
_MAX_HEADER = 100 * 1024 * 1024
_PAGE = 4096


class SafetensorsFolder:
    """name -> torch tensor (a view of the mapped file), for every tensor of the folder."""

    def __init__(self, folder):
        self.folder = folder
        self.files = _files_of(folder)
        self.tensors = {}
        self._maps = []
        for path, expected in self.files.items():
            self._read_file(path, expected)

    def __contains__(self, name):
        return name in self.tensors

    def __getitem__(self, name):
        try:
            return self.tensors[name]
        except KeyError:
            raise KeyError(f"tensor {name!r} not found in {self.folder}") from None

    def total_bytes(self):
        return sum(t.numel() * t.element_size() for t in self.tensors.values())

    def touch_pages(self):
        """Reads one byte of every page of every mapped file (brings the weights into memory)."""
        total = 0
        for m in self._maps:
            total += int(m[::_PAGE].sum(dtype=np.uint64))
        return total

    def _read_file(self, path, expected):
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            raw = f.read(8)
            if len(raw) != 8:
                raise ValueError(f"{path}: shorter than the 8-byte header length")
            (n,) = struct.unpack("<Q", raw)
            if n > _MAX_HEADER or 8 + n > size:
                raise ValueError(f"{path}: header length {n} does not fit the file ({size} bytes)")
            try:
                header = json.loads(f.read(n))
            except ValueError as e:
                raise ValueError(f"{path}: header is not JSON: {e}") from None
        mapped = np.memmap(path, dtype=np.uint8, mode="c")
        self._maps.append(mapped)
        data_start = 8 + n
        for name, entry in header.items():
            if name == "__metadata__":
                continue
            if expected is not None and name not in expected:
                raise ValueError(f"{path}: tensor {name!r} is not listed for this file in the index")
            if name in self.tensors:
                raise ValueError(f"{path}: tensor {name!r} appears in more than one file")
            self.tensors[name] = _view(path, name, entry, mapped, data_start, size)
        if expected is not None:
            missing = sorted(set(expected) - set(header))
            if missing:
                raise ValueError(f"{path}: the index lists {missing[:3]} (and {max(0, len(missing) - 3)} more) "
                                 f"for this file but it does not hold them")


def _view(path, name, entry, mapped, data_start, size):
    try:
        dtype, shape, (begin, end) = entry["dtype"], [int(s) for s in entry["shape"]], entry["data_offsets"]
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{path}: tensor {name!r} has a malformed header entry {entry!r}") from None
    if dtype not in _DTYPES:
        raise ValueError(f"{path}: tensor {name!r} has dtype {dtype}; supported: {sorted(_DTYPES)}")
    np_type, reinterpret = _DTYPES[dtype]
    itemsize = np.dtype(np_type).itemsize
    count = int(np.prod(shape, dtype=np.int64))
    if not (0 <= begin <= end and data_start + end <= size) or end - begin != count * itemsize:
        raise ValueError(f"{path}: tensor {name!r} ({dtype} {shape}) has data_offsets [{begin}, {end}] "
                         f"that do not match its size or the file ({size} bytes)")
    array = mapped[data_start + begin: data_start + end].view(np_type).reshape(shape)
    if not array.flags.aligned:      # safetensors pads the header to 8 bytes; copy if a writer did not
        array = array.copy()
    tensor = torch.from_numpy(array)
    return tensor.view(reinterpret) if reinterpret is not None else tensor


def _files_of(folder):
    """{path: set of names the index assigns to it, or None without an index}."""
    if not os.path.isdir(folder):
        raise ValueError(f"model folder {folder} does not exist or is not a folder")
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            try:
                weight_map = json.load(f)["weight_map"]
            except (ValueError, KeyError) as e:
                raise ValueError(f"{index}: not a safetensors index with a weight_map ({e})") from None
        files = {}
        for name, shard in weight_map.items():
            path = os.path.join(folder, shard)
            if not os.path.isfile(path):
                raise ValueError(f"{index}: tensor {name!r} is mapped to {shard}, which does not exist")
            files.setdefault(path, set()).add(name)
        return files
    single = os.path.join(folder, "model.safetensors")
    if os.path.isfile(single):
        return {single: None}
    found = sorted(p for p in os.listdir(folder) if p.endswith(".safetensors"))
    if len(found) != 1:
        raise ValueError(f"{folder}: no model.safetensors.index.json and {len(found)} *.safetensors files "
                         f"(need an index or exactly one file)")
    return {os.path.join(folder, found[0]): None}
