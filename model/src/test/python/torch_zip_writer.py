"""Writes PyTorch `torch.save` checkpoints (zip "new" serialization, pickle protocol 2)
without torch, byte for byte in the layout torch produces for a state dict of BF16 tensors.

Pickle: emitted opcode by opcode exactly as CPython's C pickler does for what
torch.serialization._save pickles (see `TorchPickle`); `verify_pickle_against_cpython`
re-creates the same object graph with stand-in `torch` modules and checks the bytes match.

Zip: what caffe2's PyTorchStreamWriter (miniz in zip64 mode) writes: entries STORED under
"<archive>/", each local header carrying an "FB" extra field of 'Z' padding so that the
data starts at a multiple of 64; general purpose flags 0x0808 (data descriptor + UTF-8),
local CRC and sizes 0, a 24-byte zip64 data descriptor after the data, DOS time/date 0,
central directory without the padding, then a zip64 end-of-central-directory record,
its locator and the classic end record. Records in torch's order: data.pkl, byteorder,
data/<key> (keys sorted as strings), version, .data/serialization_id.
`large=True` additionally writes every size and offset through zip64 extra fields
(0xFFFFFFFF in the 32-bit fields), as miniz does for entries beyond 4 GiB.
"""
import struct
import zlib
from collections import OrderedDict

# pickle opcodes (Lib/pickletools.py names)
PROTO, STOP = b"\x80", b"."
MARK, TUPLE, TUPLE1, TUPLE2, TUPLE3, EMPTY_TUPLE = b"(", b"t", b"\x85", b"\x86", b"\x87", b")"
EMPTY_DICT, SETITEM, SETITEMS = b"}", b"s", b"u"
GLOBAL, REDUCE, BINPERSID, NEWFALSE = b"c", b"R", b"Q", b"\x89"
BINUNICODE = b"X"
BININT1, BININT2, BININT, LONG1 = b"K", b"M", b"J", b"\x8a"
BINPUT, LONG_BINPUT, BINGET, LONG_BINGET = b"q", b"r", b"h", b"j"

BATCHSIZE = 1000    # pickle's _BATCHSIZE for SETITEMS
ALIGNMENT = 64      # caffe2 kFieldAlignment


class StorageRef:
    """One torch storage: a key (decimal string, in first-use order) and its raw bytes."""

    def __init__(self, data: bytes, numel: int, storage_type: str = "BFloat16Storage"):
        self.data, self.numel, self.storage_type = data, numel, storage_type


class TensorRef:
    def __init__(self, storage: StorageRef, offset: int, size, stride=None):
        self.storage, self.offset, self.size = storage, int(offset), tuple(int(s) for s in size)
        if stride is None:   # contiguous
            stride, acc = [], 1
            for s in reversed(self.size):
                stride.append(acc)
                acc *= s
            stride = tuple(reversed(stride))
        self.stride = tuple(int(s) for s in stride)


class TorchPickle:
    """Opcode emitter reproducing CPython's protocol-2 pickling of a torch state dict.

    Memo rules copied from the C pickler: every str, tuple (non-empty), global and
    reduced object gets the next BINPUT index; a second sighting of the same object
    is a BINGET. Objects that are the same Python object in torch (the 'storage' and
    'cpu' literals, the storage-class and function globals, the key string of a
    shared storage) are keyed identically here.
    """

    def __init__(self):
        self.out = bytearray()
        self.memo = {}

    def _put(self, identity):
        idx = len(self.memo)
        self.memo[identity] = idx
        self.out += BINPUT + bytes([idx]) if idx < 256 else LONG_BINPUT + struct.pack("<I", idx)

    def _get(self, identity):
        idx = self.memo[identity]
        self.out += BINGET + bytes([idx]) if idx < 256 else LONG_BINGET + struct.pack("<I", idx)

    def _global(self, module, name):
        ident = ("global", module, name)
        if ident in self.memo:
            self._get(ident)
        else:
            self.out += GLOBAL + module.encode() + b"\n" + name.encode() + b"\n"
            self._put(ident)

    def _str(self, s, identity):
        if identity in self.memo:
            self._get(identity)
            return
        b = s.encode("utf-8")
        self.out += BINUNICODE + struct.pack("<I", len(b)) + b
        self._put(identity)

    def _int(self, v):
        if 0 <= v <= 0xFF:
            self.out += BININT1 + bytes([v])
        elif 0 <= v <= 0xFFFF:
            self.out += BININT2 + struct.pack("<H", v)
        elif -0x80000000 <= v <= 0x7FFFFFFF:
            self.out += BININT + struct.pack("<i", v)
        else:   # protocol 2 long: LONG1 with minimal two's complement bytes
            n = (v.bit_length() + 8) // 8
            self.out += LONG1 + bytes([n]) + v.to_bytes(n, "little", signed=True)

    def _int_tuple(self, values, identity):
        if not values:
            self.out += EMPTY_TUPLE            # empty tuples are not memoized
            return
        if len(values) > 3:
            self.out += MARK
        for v in values:
            self._int(v)
        self.out += {1: TUPLE1, 2: TUPLE2, 3: TUPLE3}.get(len(values), TUPLE)
        self._put(identity)

    def _empty_ordered_dict(self, identity):
        self._global("collections", "OrderedDict")
        self.out += EMPTY_TUPLE + REDUCE
        self._put(identity)

    def _tensor(self, name, t: TensorRef, storage_keys):
        # torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)
        self._global("torch._utils", "_rebuild_tensor_v2")
        self.out += MARK                                        # 6-tuple of args
        key = storage_keys.setdefault(id(t.storage), str(len(storage_keys)))
        self.out += MARK                                        # persistent id 5-tuple
        self._str("storage", ("lit", "storage"))
        self._global("torch", t.storage.storage_type)
        self._str(key, ("key", key))
        self._str("cpu", ("lit", "cpu"))
        self._int(t.storage.numel)
        self.out += TUPLE
        self._put(("pid", name))
        self.out += BINPERSID
        self._int(t.offset)
        self._int_tuple(t.size, ("size", name))
        self._int_tuple(t.stride, ("stride", name))
        self.out += NEWFALSE
        self._empty_ordered_dict(("hooks", name))
        self.out += TUPLE
        self._put(("args", name))
        self.out += REDUCE
        self._put(("tensor", name))

    def state_dict(self, tensors, ordered: bool):
        """tensors: list of (name, TensorRef). ordered: OrderedDict (model.state_dict())
        or plain dict (transformers' shard dict). Returns (pickle bytes, {key: StorageRef})."""
        self.out = bytearray(PROTO + b"\x02")
        self.memo = {}
        keys = {}
        if ordered:
            self._empty_ordered_dict(("root",))
        else:
            self.out += EMPTY_DICT
            self._put(("root",))
        items = list(tensors)
        if len(items) == 1:
            self._str(items[0][0], ("name", items[0][0]))
            self._tensor(items[0][0], items[0][1], keys)
            self.out += SETITEM
        elif items:
            for start in range(0, len(items), BATCHSIZE):
                self.out += MARK
                for name, t in items[start:start + BATCHSIZE]:
                    self._str(name, ("name", name))
                    self._tensor(name, t, keys)
                self.out += SETITEMS
        self.out += STOP
        by_key = {}
        for _, t in items:
            by_key[keys[id(t.storage)]] = t.storage
        return bytes(self.out), by_key


class MinizZipWriter:
    """The zip container of caffe2::serialize::PyTorchStreamWriter (see module doc)."""

    def __init__(self, archive_name: str, large: bool = False):
        self.prefix = archive_name + "/"
        self.large = large
        self.buf = bytearray()
        self.central = []       # (name bytes, crc, size, local header offset)

    def write_record(self, name: str, data: bytes):
        full = (self.prefix + name).encode("utf-8")
        ofs = len(self.buf)
        size = len(data)
        crc = zlib.crc32(data) & 0xFFFFFFFF
        z64 = struct.pack("<HHQQQ", 0x0001, 24, size, size, ofs) if self.large else b""
        # getPadding(): data must start at a multiple of 64 after the 4-byte "FB" header
        start = ofs + 30 + len(full) + 4 + len(z64)
        pad = (-start) % ALIGNMENT
        extra = z64 + b"FB" + struct.pack("<H", pad) + b"Z" * pad
        size32 = 0xFFFFFFFF if self.large else 0
        self.buf += struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, 0x0808, 0, 0, 0,
                                0, size32, size32, len(full), len(extra))
        self.buf += full + extra
        assert len(self.buf) % ALIGNMENT == 0
        self.buf += data
        # zip64-mode data descriptor: signature, crc, compressed and uncompressed sizes as u64
        self.buf += struct.pack("<IIQQ", 0x08074B50, crc, size, size)
        self.central.append((full, crc, size, ofs))

    def finish(self) -> bytes:
        cd_ofs = len(self.buf)
        for full, crc, size, ofs in self.central:
            if self.large:
                extra = struct.pack("<HHQQQ", 0x0001, 24, size, size, ofs)
                s32 = o32 = 0xFFFFFFFF
            else:
                extra, s32, o32 = b"", size, ofs
            self.buf += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, 0x0808, 0, 0, 0,
                                    crc, s32, s32, len(full), len(extra), 0, 0, 0, 0, o32)
            self.buf += full + extra
        cd_size = len(self.buf) - cd_ofs
        n = len(self.central)
        z64_eocd_ofs = len(self.buf)
        self.buf += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 0x002D, 0, 0,
                                n, n, cd_size, cd_ofs)
        self.buf += struct.pack("<IIQI", 0x07064B50, 0, z64_eocd_ofs, 1)
        eocd_ofs = 0xFFFFFFFF if self.large else cd_ofs
        self.buf += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                                cd_size, eocd_ofs, 0)
        return bytes(self.buf)


def torch_save_state_dict(tensors, archive_name: str, ordered: bool, large: bool,
                          serialization_id: str) -> bytes:
    """Bytes of torch.save(state_dict, <archive_name>.bin) for the given (name, TensorRef)."""
    pkl, storages = TorchPickle().state_dict(tensors, ordered)
    z = MinizZipWriter(archive_name, large)
    z.write_record("data.pkl", pkl)
    z.write_record("byteorder", b"little")
    for key in sorted(storages):                      # string order, as torch does
        z.write_record("data/" + key, storages[key].data)
    z.write_record("version", b"3\n")
    z.write_record(".data/serialization_id", serialization_id.encode())
    return z.finish()


def verify_pickle_against_cpython(tensors, ordered: bool, emitted: bytes):
    """Pickle the same object graph with CPython's pickler, with stand-in `torch` and
    `torch._utils` modules and torch's persistent_id logic, and require identical bytes."""
    import io
    import pickle
    import sys
    import types

    if "torch" in sys.modules:
        raise RuntimeError("a real torch is imported; the stand-in check needs it absent")
    torch_mod, utils_mod = types.ModuleType("torch"), types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise AssertionError("never called while pickling")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils_mod._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch_mod._utils = utils_mod
    storage_classes = {}

    class FakeStorage:      # stands for torch.storage.TypedStorage
        def __init__(self, ref):
            self.ref = ref

    class FakeTensor:
        def __init__(self, ref: TensorRef):
            self.ref = ref

        def __reduce_ex__(self, proto):
            r = self.ref
            return (_rebuild_tensor_v2,
                    (FakeStorage(r.storage), r.offset, tuple(list(r.size)), tuple(list(r.stride)),
                     False, OrderedDict()))

    for _, t in tensors:
        cls_name = t.storage.storage_type
        if cls_name not in storage_classes:
            storage_classes[cls_name] = type(cls_name, (), {"__module__": "torch", "__qualname__": cls_name})
            setattr(torch_mod, cls_name, storage_classes[cls_name])

    id_map = {}

    def persistent_id(obj):      # torch/serialization.py _save.persistent_id, trimmed
        if isinstance(obj, FakeStorage):
            storage_key = id_map.setdefault(id(obj.ref), str(len(id_map)))
            location = "cpu"
            return ("storage", storage_classes[obj.ref.storage_type], storage_key, location,
                    obj.ref.numel)
        return None

    obj = OrderedDict() if ordered else {}
    for name, t in tensors:
        obj[name] = FakeTensor(t)
    sys.modules["torch"], sys.modules["torch._utils"] = torch_mod, utils_mod
    try:
        buf = io.BytesIO()
        p = pickle.Pickler(buf, protocol=2)
        p.persistent_id = persistent_id
        p.dump(obj)
    finally:
        del sys.modules["torch"], sys.modules["torch._utils"]
    ref = buf.getvalue()
    if ref != emitted:
        i = next((k for k in range(min(len(ref), len(emitted))) if ref[k] != emitted[k]), None)
        raise AssertionError(f"emitted pickle differs from CPython's at byte {i} "
                             f"(lengths {len(emitted)} vs {len(ref)})")
