/**
 * The GPU benchmark ({@code scripts/gpu/run-on-device.sh} runs {@link io.spikert.bench.gpu.GpuBench}):
 * HBM bandwidth, GEMM throughput of cuBLAS against SpikeRT's own kernel, and the weight-streaming
 * bounds of 7B decode and prefill, all measured with device events in one run on device 0.
 */
package io.spikert.bench.gpu;
