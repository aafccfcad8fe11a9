package io.spikert.runtime.gpu;

/** One kernel parameter: its C name and how it is passed. */
public record KernelParam(String name, Type type) {

    /** Parameter kinds, with the PTX parameter type each compiles to. */
    public enum Type {
        /** A device pointer (CUdeviceptr), {@code .param .u64}. */
        POINTER(".u64"),
        /** {@code int}, {@code .param .u32}. */
        I32(".u32"),
        /** {@code long long}, {@code .param .u64}. */
        I64(".u64"),
        /** {@code float}, {@code .param .f32}. */
        F32(".f32");

        private final String ptx;

        Type(String ptx) {
            this.ptx = ptx;
        }

        public String ptxType() {
            return ptx;
        }
    }

    public static KernelParam pointer(String name) {
        return new KernelParam(name, Type.POINTER);
    }

    public static KernelParam i32(String name) {
        return new KernelParam(name, Type.I32);
    }

    public static KernelParam i64(String name) {
        return new KernelParam(name, Type.I64);
    }

    public static KernelParam f32(String name) {
        return new KernelParam(name, Type.F32);
    }
}
