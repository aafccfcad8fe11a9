// Sliding-window attention over a ring-buffer KV cache: position p lives in slot p % capacity of
// keys/values [kvHeads][capacity][d]. Query token t sits at position pos = lastPos0 + t and attends to
// positions [max(0, pos - window + 1), pos]; decode is tokens = 1. For prefill the cache must already
// hold every position the tokens see, so capacity >= window + tokens - 1.
// One block per (query head, token); scores live in dynamic shared memory of `window` floats.
#include "spikert_common.cuh"

extern "C" __global__ void swa_attend(const float* __restrict__ q, const float* __restrict__ keys,
                                      const float* __restrict__ values, float* __restrict__ out,
                                      int tokens, int numHeads, int kvHeads, int d, int capacity,
                                      int window, long long lastPos0, float scale, int ldq, int ldo) {
    extern __shared__ float scores[];
    int h = blockIdx.x, t = blockIdx.y;
    if (h >= numHeads || t >= tokens) return;
    int kvh = h / (numHeads / kvHeads);
    long long pos = lastPos0 + t;
    long long first = pos - window + 1 < 0 ? 0 : pos - window + 1;
    int n = (int) (pos - first + 1);
    const float* qh = q + (long long) t * ldq + (long long) h * d;
    const float* K = keys + (long long) kvh * capacity * d;
    const float* V = values + (long long) kvh * capacity * d;
    int lane = threadIdx.x % SPIKERT_WARP_SIZE, warp = threadIdx.x / SPIKERT_WARP_SIZE;
    int warps = blockDim.x / SPIKERT_WARP_SIZE;
    // One warp per key: lanes split the dot product.
    for (int p = warp; p < n; p += warps) {
        const float* kp = K + ((first + p) % capacity) * d;
        float s = 0;
        for (int i = lane; i < d; i += SPIKERT_WARP_SIZE) s += qh[i] * kp[i];
        s = warp_sum(s);
        if (lane == 0) scores[p] = s * scale;
    }
    __syncthreads();
    float m = -INFINITY;
    for (int p = threadIdx.x; p < n; p += blockDim.x) m = fmaxf(m, scores[p]);
    m = block_max(m);
    double sum = 0;
    for (int p = threadIdx.x; p < n; p += blockDim.x) {
        float e = expf(scores[p] - m);
        scores[p] = e;
        sum += e;
    }
    sum = block_sum_d(sum);
    float inv = (float) (1.0 / sum);
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        float s = 0;
        for (int p = 0; p < n; p++) s += scores[p] * V[((first + p) % capacity) * d + j];
        out[(long long) t * ldo + (long long) h * d + j] = s * inv;
    }
}

// Stores `tokens` keys and values, already rotated, into the ring: row t of k/v (at t * ldk, t * ldv;
// kv head h at h * d within a row) goes to slot (pos0 + t) % capacity of head h. One block per
// (token, kv head), threads over d.
extern "C" __global__ void kv_ring_store(float* __restrict__ keys, float* __restrict__ values,
                                         const float* __restrict__ k, const float* __restrict__ v,
                                         int tokens, int kvHeads, int d, int capacity, long long pos0,
                                         int ldk, int ldv) {
    int t = blockIdx.x, h = blockIdx.y;
    if (t >= tokens || h >= kvHeads) return;
    long long slot = (pos0 + t) % capacity;
    float* kd = keys + ((long long) h * capacity + slot) * d;
    float* vd = values + ((long long) h * capacity + slot) * d;
    const float* ks = k + (long long) t * ldk + (long long) h * d;
    const float* vs = v + (long long) t * ldv + (long long) h * d;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        kd[i] = ks[i];
        vd[i] = vs[i];
    }
}
