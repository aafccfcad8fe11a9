// Gated linear attention, the recurrent form: per kv head a d x d state S,
//   S = diag(exp(g)) S + k v^T,   out_n = (scale * q_n)^T S   for each of the head's `group` query heads.
// gla_chunk: one block per kv head; thread j owns column j of S, so the update needs no synchronisation
// and the readout of column j reads only that thread's own state (coalesced: j is the fastest index).
// q and out are [group][d] per kv head (query head h * group + n), k, v, g are [d] per kv head.
#include "spikert_common.cuh"

__device__ __forceinline__ void gla_token(float* __restrict__ S, int d, int group, float scale,
                                          const float* __restrict__ q, const float* __restrict__ k,
                                          const float* __restrict__ v, const float* __restrict__ g,
                                          float* __restrict__ out) {
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        float vj = v[j];
        for (int i = 0; i < d; i++) {
            float* p = S + (long long) i * d + j;
            *p = expf(g[i]) * *p + k[i] * vj;
        }
        for (int n = 0; n < group; n++) {
            const float* qn = q + n * d;
            float s = 0;
            for (int i = 0; i < d; i++) s += (qn[i] * scale) * S[(long long) i * d + j];
            out[n * d + j] = s;
        }
    }
}

// One decode token for kvHeads heads: state [kvHeads][d][d], k/v/g [kvHeads][d], q/out [kvHeads * group][d].
// Block (c, h) takes state columns [32c, 32c + 32) of kv head h (lane = column, so each row access of
// a warp is one coalesced 128-byte line) and its warps split the rows i; the readout sums over i meet
// in shared memory. Grid ceil(d / 32) x kvHeads, at most SPIKERT_GLA_WARPS warps a block: 16 blocks of
// 8 warps at d = 128 and 4 kv heads, where one block per head walked all d rows of its columns serially.
// A thread updates and then reads back only its own elements, so the update needs no barrier.
#define SPIKERT_GLA_WARPS 8
// Query heads whose readout sums a thread keeps in registers at once.
#define SPIKERT_GLA_GROUP_STEP 8
extern "C" __global__ void gla_step(float* __restrict__ state, const float* __restrict__ q,
                                    const float* __restrict__ k, const float* __restrict__ v,
                                    const float* __restrict__ g, float* __restrict__ out,
                                    int d, int group, float scale, int kvHeads) {
    __shared__ float part[SPIKERT_GLA_WARPS][SPIKERT_GLA_GROUP_STEP][SPIKERT_WARP_SIZE];
    int h = blockIdx.y;
    if (h >= kvHeads) return;   // uniform over the block: no barrier is stranded
    int lane = threadIdx.x % SPIKERT_WARP_SIZE, warp = threadIdx.x / SPIKERT_WARP_SIZE;
    int warps = blockDim.x / SPIKERT_WARP_SIZE;
    int j = blockIdx.x * SPIKERT_WARP_SIZE + lane;
    bool column = j < d;
    float* S = state + (long long) h * d * d;
    const float* qh = q + (long long) h * group * d;
    const float* kh = k + (long long) h * d;
    const float* gh = g + (long long) h * d;
    float* oh = out + (long long) h * group * d;
    float vj = column ? v[(long long) h * d + j] : 0.f;
    for (int g0 = 0; g0 < group; g0 += SPIKERT_GLA_GROUP_STEP) {
        float acc[SPIKERT_GLA_GROUP_STEP];
#pragma unroll
        for (int u = 0; u < SPIKERT_GLA_GROUP_STEP; u++) acc[u] = 0.f;
        if (column) {
            for (int i = warp; i < d; i += warps) {
                float* p = S + (long long) i * d + j;
                float s;
                if (g0 == 0) {
                    s = expf(gh[i]) * *p + kh[i] * vj;
                    *p = s;
                } else {
                    s = *p;   // updated by this thread in the first step
                }
#pragma unroll
                for (int u = 0; u < SPIKERT_GLA_GROUP_STEP; u++) {
                    if (g0 + u < group) acc[u] += (qh[(g0 + u) * d + i] * scale) * s;
                }
            }
        }
#pragma unroll
        for (int u = 0; u < SPIKERT_GLA_GROUP_STEP; u++) part[warp][u][lane] = acc[u];
        __syncthreads();   // every warp's row sums written
        for (int t = threadIdx.x; t < SPIKERT_GLA_GROUP_STEP * SPIKERT_WARP_SIZE; t += blockDim.x) {
            int u = t / SPIKERT_WARP_SIZE, l = t % SPIKERT_WARP_SIZE;
            int jj = blockIdx.x * SPIKERT_WARP_SIZE + l;
            if (g0 + u < group && jj < d) {
                float sum = 0.f;
                for (int w = 0; w < warps; w++) sum += part[w][u][l];
                oh[(long long) (g0 + u) * d + jj] = sum;
            }
        }
        __syncthreads();   // part is read before the next step overwrites it
    }
}

// Prefill of `tokens` tokens, token by token (same result as GlaChunk's chunked form up to rounding);
// row t of q/k/v/g/out starts at t * ld*, and within a row the head layout is as in gla_step.
// Each thread touches only its own state columns, so no barrier is needed between tokens.
extern "C" __global__ void gla_chunk(float* __restrict__ state, const float* __restrict__ q,
                                     const float* __restrict__ k, const float* __restrict__ v,
                                     const float* __restrict__ g, float* __restrict__ out,
                                     int d, int group, int tokens, float scale, int kvHeads,
                                     int ldq, int ldk, int ldv, int ldg, int ldo) {
    int h = blockIdx.x;
    if (h >= kvHeads) return;
    float* S = state + (long long) h * d * d;
    for (int t = 0; t < tokens; t++) {
        gla_token(S, d, group, scale, q + (long long) t * ldq + (long long) h * group * d,
                  k + (long long) t * ldk + (long long) h * d, v + (long long) t * ldv + (long long) h * d,
                  g + (long long) t * ldg + (long long) h * d, out + (long long) t * ldo + (long long) h * group * d);
    }
}
