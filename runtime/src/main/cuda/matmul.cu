// Products with a row-major weight W [rows][cols] (bf16 as unsigned short, or fp32), for when cuBLAS
// is absent: y = W x for one token, Y = X W^T for `tokens` tokens (x rows at t * ldx, y rows at t * ldy).
#include "spikert_common.cuh"

#define SPIKERT_TILE 16

// One warp per output row; lanes stride the row so a warp reads contiguous weight bytes.
extern "C" __global__ void matvec_bf16(const unsigned short* __restrict__ w, const float* __restrict__ x,
                                       float* __restrict__ y, int rows, int cols) {
    int lane = threadIdx.x % SPIKERT_WARP_SIZE;
    int r = blockIdx.x * (blockDim.x / SPIKERT_WARP_SIZE) + threadIdx.x / SPIKERT_WARP_SIZE;
    if (r >= rows) return;
    const unsigned short* wr = w + (long long) r * cols;
    float s = 0;
    for (int c = lane; c < cols; c += SPIKERT_WARP_SIZE) s += bf16_to_f32(wr[c]) * x[c];
    s = warp_sum(s);
    if (lane == 0) y[r] = s;
}

extern "C" __global__ void matvec_f32(const float* __restrict__ w, const float* __restrict__ x,
                                      float* __restrict__ y, int rows, int cols) {
    int lane = threadIdx.x % SPIKERT_WARP_SIZE;
    int r = blockIdx.x * (blockDim.x / SPIKERT_WARP_SIZE) + threadIdx.x / SPIKERT_WARP_SIZE;
    if (r >= rows) return;
    const float* wr = w + (long long) r * cols;
    float s = 0;
    for (int c = lane; c < cols; c += SPIKERT_WARP_SIZE) s += wr[c] * x[c];
    s = warp_sum(s);
    if (lane == 0) y[r] = s;
}

// Shared-memory tiles of 16 x 16: block (16, 16), grid (ceil(rows / 16), ceil(tokens / 16)).
// threadIdx.x walks output rows (weight rows), threadIdx.y walks tokens.
__device__ __forceinline__ float load_w(const unsigned short* w, long long i) { return bf16_to_f32(w[i]); }
__device__ __forceinline__ float load_w(const float* w, long long i) { return w[i]; }

template <typename W>
__device__ __forceinline__ void matmul_tiled(const W* __restrict__ w, const float* __restrict__ x, int ldx, int tokens,
                                             float* __restrict__ y, int ldy, int rows, int cols) {
    __shared__ float wt[SPIKERT_TILE][SPIKERT_TILE + 1];
    __shared__ float xt[SPIKERT_TILE][SPIKERT_TILE + 1];
    int r0 = blockIdx.x * SPIKERT_TILE, t0 = blockIdx.y * SPIKERT_TILE;
    int tx = threadIdx.x, ty = threadIdx.y;
    float acc = 0;
    for (int c0 = 0; c0 < cols; c0 += SPIKERT_TILE) {
        // Load W[r0 + ty][c0 + tx] and X[t0 + ty][c0 + tx]: consecutive tx read consecutive columns.
        int wr = r0 + ty, xr = t0 + ty, c = c0 + tx;
        wt[ty][tx] = (wr < rows && c < cols) ? load_w(w, (long long) wr * cols + c) : 0.0f;
        xt[ty][tx] = (xr < tokens && c < cols) ? x[(long long) xr * ldx + c] : 0.0f;
        __syncthreads();
        for (int i = 0; i < SPIKERT_TILE; i++) acc += wt[tx][i] * xt[ty][i];
        __syncthreads();
    }
    int r = r0 + tx, t = t0 + ty;
    if (r < rows && t < tokens) y[(long long) t * ldy + r] = acc;
}

extern "C" __global__ void matmul_bf16(const unsigned short* __restrict__ w, const float* __restrict__ x, int ldx,
                                       int tokens, float* __restrict__ y, int ldy, int rows, int cols) {
    matmul_tiled(w, x, ldx, tokens, y, ldy, rows, cols);
}

extern "C" __global__ void matmul_f32(const float* __restrict__ w, const float* __restrict__ x, int ldx,
                                      int tokens, float* __restrict__ y, int ldy, int rows, int cols) {
    matmul_tiled(w, x, ldx, tokens, y, ldy, rows, cols);
}
