package io.spikert.model.checkpoint;

import io.spikert.model.checkpoint.PickleReader.Global;
import io.spikert.model.checkpoint.PickleReader.Invalid;
import io.spikert.model.checkpoint.PickleReader.Tuple;
import io.spikert.runtime.DType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The globals a torch state dict may name, and what calling them means; the same allowlist idea as
 * {@code torch.load(weights_only=True)}, narrowed to what SpikeRT can map: plain dense CPU tensors.
 */
final class TorchPickleResolver implements PickleReader.Resolver {
    /** A storage named by a persistent id: the bytes live in zip entry {@code <prefix>/data/<key>}. */
    record StorageRef(DType dtype, String key, String location, long numel) {
    }

    /** A tensor as {@code _rebuild_tensor_v2} describes it; offsets and strides count elements, not bytes. */
    record TensorRef(StorageRef storage, long storageOffset, long[] size, long[] stride) {
    }

    private static final Global ORDERED_DICT = new Global("collections", "OrderedDict");
    private static final Global REBUILD_V2 = new Global("torch._utils", "_rebuild_tensor_v2");
    private static final Global REBUILD = new Global("torch._utils", "_rebuild_tensor");

    private static final Map<String, DType> STORAGE_TYPES = Map.ofEntries(
            Map.entry("BFloat16Storage", DType.BF16),
            Map.entry("HalfStorage", DType.F16),
            Map.entry("FloatStorage", DType.F32),
            Map.entry("DoubleStorage", DType.F64),
            Map.entry("LongStorage", DType.I64),
            Map.entry("IntStorage", DType.I32),
            Map.entry("ShortStorage", DType.I16),
            Map.entry("CharStorage", DType.I8),
            Map.entry("ByteStorage", DType.U8),
            Map.entry("BoolStorage", DType.BOOL),
            // torch >= 2 pickles a storage that was never typed as UntypedStorage, whose elements are bytes.
            Map.entry("UntypedStorage", DType.U8));

    @Override
    public Global resolve(String module, String name) {
        Global g = new Global(module, name);
        if (g.equals(ORDERED_DICT) || g.equals(REBUILD_V2) || g.equals(REBUILD) || storageType(g) != null) {
            return g;
        }
        throw new Invalid("unsupported pickle global " + g);
    }

    private static DType storageType(Global g) {
        boolean torchModule = g.module().equals("torch")
                || (g.module().equals("torch.storage") && g.name().equals("UntypedStorage"));
        return torchModule ? STORAGE_TYPES.get(g.name()) : null;
    }

    @Override
    public Object call(Global callable, Tuple args) {
        if (callable.equals(ORDERED_DICT)) {
            if (args.size() != 0) {
                throw new Invalid("collections.OrderedDict called with " + args.size() + " arguments; torch passes none");
            }
            return new LinkedHashMap<>();
        }
        if (callable.equals(REBUILD_V2)) {
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            if (args.size() != 6 && args.size() != 7) {
                throw new Invalid(callable + " called with " + args.size() + " arguments, expected 6 or 7");
            }
            arg(callable, args, 4, "requires_grad", Boolean.class);
            arg(callable, args, 5, "backward_hooks", Map.class);
            if (args.size() == 7 && args.get(6) != null) {
                arg(callable, args, 6, "metadata", Map.class);
            }
            return tensor(callable, args);
        }
        if (callable.equals(REBUILD)) {
            if (args.size() != 4) {
                throw new Invalid(callable + " called with " + args.size() + " arguments, expected 4");
            }
            return tensor(callable, args);
        }
        throw new Invalid("pickle global " + callable + " cannot be called");
    }

    private static TensorRef tensor(Global callable, Tuple args) {
        StorageRef storage = arg(callable, args, 0, "storage", StorageRef.class);
        long offset = arg(callable, args, 1, "storage_offset", Long.class);
        long[] size = longs(callable, args, 2, "size");
        long[] stride = longs(callable, args, 3, "stride");
        if (offset < 0) {
            throw new Invalid(callable + ": negative storage_offset " + offset);
        }
        if (size.length != stride.length) {
            throw new Invalid(callable + ": size has " + size.length + " dimensions but stride has " + stride.length);
        }
        for (long d : size) {
            if (d < 0) {
                throw new Invalid(callable + ": negative dimension in size");
            }
        }
        return new TensorRef(storage, offset, size, stride);
    }

    private static <T> T arg(Global callable, Tuple args, int i, String what, Class<T> type) {
        Object v = args.get(i);
        if (!type.isInstance(v)) {
            throw new Invalid("wrong argument type for " + callable + ": argument " + i + " (" + what + ") is "
                    + PickleReader.describe(v));
        }
        return type.cast(v);
    }

    private static long[] longs(Global callable, Tuple args, int i, String what) {
        Tuple t = arg(callable, args, i, what, Tuple.class);
        long[] out = new long[t.size()];
        for (int k = 0; k < out.length; k++) {
            if (!(t.get(k) instanceof Long v)) {
                throw new Invalid("wrong argument type for " + callable + ": argument " + i + " (" + what
                        + ") holds " + PickleReader.describe(t.get(k)));
            }
            out[k] = v;
        }
        return out;
    }

    /** torch.save's persistent id for a storage: ('storage', storage_type, key, location, numel). */
    @Override
    public Object persistentLoad(Object pid) {
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new Invalid("persistent id " + PickleReader.describe(pid) + " is not ('storage', type, key, location, numel)");
        }
        if (!(t.get(1) instanceof Global g) || storageType(g) == null) {
            throw new Invalid("persistent id names storage type " + PickleReader.describe(t.get(1)));
        }
        if (!(t.get(2) instanceof String key) || !(t.get(3) instanceof String location) || !(t.get(4) instanceof Long numel)) {
            throw new Invalid("persistent id for a " + g.name() + " has key " + PickleReader.describe(t.get(2))
                    + ", location " + PickleReader.describe(t.get(3)) + ", numel " + PickleReader.describe(t.get(4)));
        }
        if (numel < 0) {
            throw new Invalid("storage " + key + " has negative numel " + numel);
        }
        return new StorageRef(storageType(g), key, location, numel);
    }
}
