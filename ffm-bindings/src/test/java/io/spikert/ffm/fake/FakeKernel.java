package io.spikert.ffm.fake;

/** A kernel's host-side twin, run by the fake driver in place of device code. */
@FunctionalInterface
public interface FakeKernel {
    void run(FakeLaunch launch);
}
