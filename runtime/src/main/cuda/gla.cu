// Gated linear attention, the recurrent form: per kv head a d x d state S,
//   S = diag(exp(g)) S + k v^T,   out_n = (scale * q_n)^T S   for each of the head's `group` query heads.
// One block per kv head; thread j owns column j of S, so the update needs no synchronisation and the
// readout of column j reads only that thread's own state (coalesced: j is the fastest index).
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
extern "C" __global__ void gla_step(float* __restrict__ state, const float* __restrict__ q,
                                    const float* __restrict__ k, const float* __restrict__ v,
                                    const float* __restrict__ g, float* __restrict__ out,
                                    int d, int group, float scale, int kvHeads) {
    int h = blockIdx.x;
    if (h >= kvHeads) return;
    gla_token(state + (long long) h * d * d, d, group, scale, q + (long long) h * group * d,
              k + (long long) h * d, v + (long long) h * d, g + (long long) h * d,
              out + (long long) h * group * d);
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
