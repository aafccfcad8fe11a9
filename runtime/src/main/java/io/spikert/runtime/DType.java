package io.spikert.runtime;

import java.util.Locale;
import java.util.Optional;

/** Element types of tensors, with their names in the safetensors format. */
public enum DType {
    F32(4, "F32"),
    F16(2, "F16"),
    BF16(2, "BF16"),
    F64(8, "F64"),
    I8(1, "I8"),
    U8(1, "U8"),
    I16(2, "I16"),
    I32(4, "I32"),
    I64(8, "I64"),
    BOOL(1, "BOOL");

    private final int byteSize;
    private final String safetensorsName;

    DType(int byteSize, String safetensorsName) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
    }

    public int byteSize() {
        return byteSize;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    public boolean isFloatingPoint() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /** Looks up a safetensors dtype string such as {@code "BF16"}; empty when unknown. */
    public static Optional<DType> fromSafetensorsName(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        for (DType t : values()) {
            if (t.safetensorsName.equals(upper)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
