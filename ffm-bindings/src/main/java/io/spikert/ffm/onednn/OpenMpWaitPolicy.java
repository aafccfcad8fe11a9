package io.spikert.ffm.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Makes oneDNN's OpenMP threads sleep, not spin, between its calls: sets {@code OMP_WAIT_POLICY=PASSIVE} in the
 * process environment (C {@code setenv}, not overwriting a value the user set) before the OpenMP runtime loads,
 * which reads it once, at load. Why: SpikeRT's compute pool runs the steps between two oneDNN calls (the float
 * steps of a spike product, attention, norms) on the same cores; OpenMP's default keeps its workers spinning for a
 * while after each call, and on a 2-core machine that halved the speed of a spike product's float steps
 * (docs/PERFORMANCE.md, "CPU vendor math").
 */
final class OpenMpWaitPolicy {
    static final String VARIABLE = "OMP_WAIT_POLICY";

    private OpenMpWaitPolicy() {}

    /** Sets the variable to PASSIVE unless it is set; true when it is PASSIVE afterwards (in the C environment). */
    static boolean preferPassive() {
        Linker linker = Linker.nativeLinker();
        var lookup = linker.defaultLookup();
        var setenvAddress = lookup.find("setenv");
        var getenvAddress = lookup.find("getenv");
        if (setenvAddress.isEmpty() || getenvAddress.isEmpty()) {
            return false;
        }
        MethodHandle setenv = linker.downcallHandle(setenvAddress.get(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        MethodHandle getenv = linker.downcallHandle(getenvAddress.get(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            var name = arena.allocateFrom(VARIABLE);
            int status = (int) setenv.invokeExact(name, arena.allocateFrom("PASSIVE"), 0);
            var value = (java.lang.foreign.MemorySegment) getenv.invokeExact(name);
            return status == 0 && !value.equals(java.lang.foreign.MemorySegment.NULL)
                    && value.reinterpret(16).getString(0).equalsIgnoreCase("PASSIVE");
        } catch (Throwable t) {
            return false;
        }
    }
}
