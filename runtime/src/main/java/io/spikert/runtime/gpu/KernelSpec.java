package io.spikert.runtime.gpu;

import io.spikert.ffm.KernelArgs;
import java.util.List;

/**
 * One {@code extern "C"} kernel: its name, the source module it is compiled from
 * ({@code runtime/src/main/cuda/<module>.cu}) and its parameters in order.
 */
public record KernelSpec(String name, String module, List<KernelParam> params) {

    public KernelSpec {
        params = List.copyOf(params);
    }

    /**
     * Packs {@code values} as this kernel's arguments: a {@link Long} for pointers and {@code long long},
     * an {@link Integer} for {@code int}, a {@link Float} for {@code float}; a wrong count or type is
     * refused naming the kernel and the parameter, since a mis-packed launch reads garbage on the device.
     */
    public KernelArgs args(Object... values) {
        if (values.length != params.size()) {
            throw new IllegalArgumentException("kernel " + name + " takes " + params.size() + " arguments "
                    + paramNames() + ", got " + values.length);
        }
        KernelArgs args = new KernelArgs();
        for (int i = 0; i < values.length; i++) {
            KernelParam p = params.get(i);
            Object v = values[i];
            switch (p.type()) {
                case POINTER -> args.pointer(expect(p, v, Long.class));
                case I64 -> args.i64(expect(p, v, Long.class));
                case I32 -> args.i32(expect(p, v, Integer.class));
                case F32 -> args.f32(expect(p, v, Float.class));
            }
        }
        return args;
    }

    /** The index of parameter {@code paramName}, for twins that unpack launches by name. */
    public int indexOf(String paramName) {
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).name().equals(paramName)) {
                return i;
            }
        }
        throw new IllegalArgumentException("kernel " + name + " has no parameter " + paramName + " " + paramNames());
    }

    private List<String> paramNames() {
        return params.stream().map(KernelParam::name).toList();
    }

    private <T> T expect(KernelParam p, Object v, Class<T> type) {
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("kernel " + name + " parameter " + p.name() + " (" + p.type()
                    + ") needs a " + type.getSimpleName() + ", got " + (v == null ? "null" : v.getClass().getSimpleName()));
        }
        return type.cast(v);
    }
}
