package io.spikert.ffm.fake;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Turns the public instance methods of a "symbols" object into native function pointers (FFM upcall
 * stubs) found by C symbol name, so a fake library can stand behind a {@link SymbolLookup}.
 *
 * <p>Each method is named after the C symbol; its C signature is derived from the Java one
 * ({@code int} = C_INT, {@code long} = 64-bit integer, {@code float}, {@code byte}, and
 * {@link MemorySegment} = pointer). An exception must never unwind through native frames (the JVM
 * would abort), so every stub catches it, hands it to {@code onFailure}, and returns
 * {@code errorCode} (or NULL for pointer-returning functions).
 */
public final class UpcallTable {
    private final Map<String, MemorySegment> stubs = new HashMap<>();
    private final Map<String, FunctionDescriptor> descriptors = new HashMap<>();

    public UpcallTable(Object symbols, int errorCode, Consumer<Throwable> onFailure, Arena arena) {
        Linker linker = Linker.nativeLinker();
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        for (Method m : symbols.getClass().getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers()) || Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            try {
                MethodHandle target = lookup.unreflect(m).bindTo(symbols);
                FunctionDescriptor desc = descriptorOf(target.type());
                MethodHandle guarded = guard(target, errorCode, onFailure);
                stubs.put(m.getName(), linker.upcallStub(guarded, desc, arena));
                descriptors.put(m.getName(), desc);
            } catch (IllegalAccessException e) {
                throw new IllegalArgumentException("fake symbol " + m.getName() + " is not accessible", e);
            }
        }
    }

    /** The stubs by C symbol name. */
    public SymbolLookup lookup() {
        return name -> Optional.ofNullable(stubs.get(name));
    }

    /** The C signature each stub was built with, for comparing against binding descriptors. */
    public Map<String, FunctionDescriptor> descriptors() {
        return Map.copyOf(descriptors);
    }

    static FunctionDescriptor descriptorOf(MethodType type) {
        MemoryLayout[] args = type.parameterList().stream().map(UpcallTable::layoutOf).toArray(MemoryLayout[]::new);
        return type.returnType() == void.class
                ? FunctionDescriptor.ofVoid(args)
                : FunctionDescriptor.of(layoutOf(type.returnType()), args);
    }

    private static MemoryLayout layoutOf(Class<?> c) {
        if (c == int.class) {
            return ValueLayout.JAVA_INT;
        } else if (c == long.class) {
            return ValueLayout.JAVA_LONG;
        } else if (c == float.class) {
            return ValueLayout.JAVA_FLOAT;
        } else if (c == byte.class) {
            return ValueLayout.JAVA_BYTE;
        } else if (c == MemorySegment.class) {
            return ValueLayout.ADDRESS;
        }
        throw new IllegalArgumentException("no C layout for fake parameter type " + c);
    }

    private static MethodHandle guard(MethodHandle target, int errorCode, Consumer<Throwable> onFailure) {
        Class<?> ret = target.type().returnType();
        Object fallback = ret == int.class ? (Object) errorCode : ret == MemorySegment.class ? MemorySegment.NULL : null;
        MethodHandle report;
        try {
            report = MethodHandles.lookup().findStatic(UpcallTable.class, "report",
                    MethodType.methodType(Object.class, Consumer.class, Object.class, Throwable.class));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        MethodHandle handler = MethodHandles.insertArguments(report, 0, onFailure, fallback);
        if (ret == void.class) {
            handler = handler.asType(MethodType.methodType(void.class, Throwable.class));
        } else {
            handler = handler.asType(MethodType.methodType(ret, Throwable.class));
        }
        List<Class<?>> params = target.type().parameterList();
        handler = MethodHandles.dropArguments(handler, 1, params);
        return MethodHandles.catchException(target, Throwable.class, handler);
    }

    private static Object report(Consumer<Throwable> onFailure, Object fallback, Throwable t) {
        try {
            onFailure.accept(t);
        } catch (Throwable ignored) {
            // Nothing may escape into native code.
        }
        return fallback;
    }
}
