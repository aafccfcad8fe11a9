/**
 * Foreign Function &amp; Memory bindings to GPU vendor libraries, with no JNI and no native code.
 *
 * <p>Layers: the jextract-shaped binding classes ({@code cuda.CudaDriver}, {@code cudart.CudaRuntime},
 * {@code cublas.Cublas}, {@code nvrtc.Nvrtc}, {@code maca.McRuntime}, {@code maca.McBlas}); the
 * lazy {@link io.spikert.ffm.LibraryLoader} they resolve symbols through; and the vendor-neutral
 * {@link io.spikert.ffm.GpuDriver} / {@link io.spikert.ffm.GpuBlas} with one implementation per
 * {@link io.spikert.ffm.Vendor}. The binding classes are generated (source root src/generated/java);
 * the rest is written by hand. {@code fake.FakeGpu}, in this module's test jar and not in its main jar,
 * stands behind the same symbols with FFM upcall stubs on host memory, so the whole path runs without
 * a GPU in tests. See scripts/jextract/README.md for regeneration and for what is and is not checked
 * against headers.
 */
package io.spikert.ffm;
