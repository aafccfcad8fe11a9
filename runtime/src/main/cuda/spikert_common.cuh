// Shared helpers for SpikeRT's kernels. Everything that depends on the warp width goes through
// SPIKERT_WARP_SIZE and SPIKERT_FULL_MASK: a 64-lane MetaX (MACA) build changes only these two
// compile-time constants (-DSPIKERT_WARP_SIZE=64 and a 64-bit mask); no kernel hard-codes 32.
#pragma once

#ifndef SPIKERT_WARP_SIZE
#define SPIKERT_WARP_SIZE 32
#endif
#ifndef SPIKERT_FULL_MASK
#define SPIKERT_FULL_MASK 0xffffffffu
#endif

// Block-wide reductions keep one partial per warp in shared memory; 1024 threads is the largest block.
#define SPIKERT_MAX_WARPS (1024 / SPIKERT_WARP_SIZE)

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = SPIKERT_WARP_SIZE / 2; o > 0; o >>= 1) v += __shfl_down_sync(SPIKERT_FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ double warp_sum_d(double v) {
    for (int o = SPIKERT_WARP_SIZE / 2; o > 0; o >>= 1) v += __shfl_down_sync(SPIKERT_FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ int warp_sum_i(int v) {
    for (int o = SPIKERT_WARP_SIZE / 2; o > 0; o >>= 1) v += __shfl_down_sync(SPIKERT_FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = SPIKERT_WARP_SIZE / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_down_sync(SPIKERT_FULL_MASK, v, o));
    return v;
}

// Sum over the whole block, result valid in every thread. Blocks must be a multiple of the warp size.
__device__ __forceinline__ double block_sum_d(double v) {
    __shared__ double partial[SPIKERT_MAX_WARPS];
    int lane = threadIdx.x % SPIKERT_WARP_SIZE, warp = threadIdx.x / SPIKERT_WARP_SIZE;
    int warps = blockDim.x / SPIKERT_WARP_SIZE;
    v = warp_sum_d(v);
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    double s = 0;
    for (int w = 0; w < warps; w++) s += partial[w];
    return s;
}

__device__ __forceinline__ float block_max(float v) {
    __shared__ float partial[SPIKERT_MAX_WARPS];
    int lane = threadIdx.x % SPIKERT_WARP_SIZE, warp = threadIdx.x / SPIKERT_WARP_SIZE;
    int warps = blockDim.x / SPIKERT_WARP_SIZE;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    float m = -INFINITY;
    for (int w = 0; w < warps; w++) m = fmaxf(m, partial[w]);
    return m;
}

// BF16 is the top half of an fp32: widening is exact.
__device__ __forceinline__ float bf16_to_f32(unsigned short b) {
    return __uint_as_float(((unsigned int) b) << 16);
}

// The BF16 bits nearest to f, ties to even; a NaN keeps its sign and is made quiet. The same bits as the
// CPU's io.spikert.kernels.Bf16.bits, so a BF16 cache holds the same values on either backend.
__device__ __forceinline__ unsigned short f32_to_bf16(float f) {
    unsigned int b = __float_as_uint(f);
    if ((b & 0x7FFFFFFFu) > 0x7F800000u) return (unsigned short) ((b >> 16) | 0x0040u);
    return (unsigned short) ((b + 0x7FFFu + ((b >> 16) & 1u)) >> 16);
}
