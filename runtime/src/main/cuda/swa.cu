// Sliding-window attention over a ring-buffer KV cache: position p lives in slot p % capacity of
// keys/values [kvHeads][capacity][d]. Query token t sits at position pos = lastPos0 + t and attends to
// positions [max(0, pos - window + 1), pos]; decode is tokens = 1. For prefill the cache must already
// hold every position the tokens see, so capacity >= window + tokens - 1.
// One block per (query head, token); scores live in dynamic shared memory of `window` floats.
// Every kernel that reads or writes the ring comes twice: for a ring of F32 keys and values (float) and,
// with the suffix _bf16, of BF16 bits (unsigned short, widened exactly as loaded and rounded to nearest
// even as stored); the arithmetic is the same.
#include "spikert_common.cuh"

__device__ __forceinline__ float kv_value(float x) { return x; }
__device__ __forceinline__ float kv_value(unsigned short b) { return bf16_to_f32(b); }
__device__ __forceinline__ void kv_put(float* p, float x) { *p = x; }
__device__ __forceinline__ void kv_put(unsigned short* p, float x) { *p = f32_to_bf16(x); }

template <typename T>
__device__ __forceinline__ void swa_attend_ring(const float* __restrict__ q, const T* __restrict__ keys,
                                                const T* __restrict__ values, float* __restrict__ out,
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
    const T* K = keys + (long long) kvh * capacity * d;
    const T* V = values + (long long) kvh * capacity * d;
    int lane = threadIdx.x % SPIKERT_WARP_SIZE, warp = threadIdx.x / SPIKERT_WARP_SIZE;
    int warps = blockDim.x / SPIKERT_WARP_SIZE;
    // One warp per key: lanes split the dot product.
    for (int p = warp; p < n; p += warps) {
        const T* kp = K + ((first + p) % capacity) * d;
        float s = 0;
        for (int i = lane; i < d; i += SPIKERT_WARP_SIZE) s += qh[i] * kv_value(kp[i]);
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
        for (int p = 0; p < n; p++) s += scores[p] * kv_value(V[((first + p) % capacity) * d + j]);
        out[(long long) t * ldo + (long long) h * d + j] = s * inv;
    }
}

extern "C" __global__ void swa_attend(const float* __restrict__ q, const float* __restrict__ keys,
                                      const float* __restrict__ values, float* __restrict__ out,
                                      int tokens, int numHeads, int kvHeads, int d, int capacity,
                                      int window, long long lastPos0, float scale, int ldq, int ldo) {
    swa_attend_ring(q, keys, values, out, tokens, numHeads, kvHeads, d, capacity, window, lastPos0, scale, ldq, ldo);
}

extern "C" __global__ void swa_attend_bf16(const float* __restrict__ q, const unsigned short* __restrict__ keys,
                                           const unsigned short* __restrict__ values, float* __restrict__ out,
                                           int tokens, int numHeads, int kvHeads, int d, int capacity,
                                           int window, long long lastPos0, float scale, int ldq, int ldo) {
    swa_attend_ring(q, keys, values, out, tokens, numHeads, kvHeads, d, capacity, window, lastPos0, scale, ldq, ldo);
}

// Decode (one query token at position pos) split over the key range, flash-decoding style: swa_attend
// would give each query head one block walking all `window` keys, 28 blocks on a 132-SM device. Here
// block (s, kvh) takes window offsets [s * splitKeys, min((s + 1) * splitKeys, n)) of kv head kvh for
// all `group` query heads that share it (each key and value row is read once per kv head, not once per
// query head), and leaves per query head h its partial softmax state: partMax[h][s] = max score m,
// partSum[h][s] = sum of exp(score - m), partOut[h][s][j] = sum of exp(score - m) * v[j] (not
// normalised). swa_decode_combine merges the splits. The host sizes the grid so that every split
// holds at least one key; a block past `splits` or an empty split still leaves a neutral partial
// (m = -inf, sum 0) so the merge ignores it.
// Shared memory (dynamic): the group's queries [group][d], then the scores [group][splitKeys].
// Head dimension d <= SPIKERT_SWA_MAX_D: a warp holds a key or value row in registers, 8 floats a lane.
#define SPIKERT_SWA_CHUNKS 8
#define SPIKERT_SWA_MAX_D (SPIKERT_SWA_CHUNKS * SPIKERT_WARP_SIZE)
// Query heads whose value accumulators a thread keeps in registers at once.
#define SPIKERT_SWA_GROUP_STEP 8

template <typename T>
__device__ __forceinline__ void swa_load_row(float (&r)[SPIKERT_SWA_CHUNKS], const T* __restrict__ row,
                                             int lane, int d) {
#pragma unroll
    for (int c = 0; c < SPIKERT_SWA_CHUNKS; c++) {
        int i = lane + c * SPIKERT_WARP_SIZE;
        r[c] = i < d ? kv_value(row[i]) : 0.f;
    }
}

template <typename T>
__device__ __forceinline__ void swa_decode_split_ring(const float* __restrict__ q, const T* __restrict__ keys,
                                                      const T* __restrict__ values, float* __restrict__ partOut,
                                                      float* __restrict__ partMax, float* __restrict__ partSum,
                                                      int numHeads, int kvHeads, int d, int capacity, int window,
                                                      long long pos, float scale, int splitKeys, int splits) {
    extern __shared__ float smem[];
    int s = blockIdx.x, kvh = blockIdx.y;
    // Both conditions are uniform over the block, so returning here cannot strand a barrier below.
    if (s >= splits || kvh >= kvHeads) return;
    int group = numHeads / kvHeads;
    long long first = pos - window + 1 < 0 ? 0 : pos - window + 1;
    int n = (int) (pos - first + 1);
    int begin = s * splitKeys;
    int len = min(splitKeys, n - begin);
    int h0 = kvh * group;
    if (len <= 0) {
        for (int i = threadIdx.x; i < group * d; i += blockDim.x) {
            int hn = h0 + i / d;
            partOut[((long long) hn * splits + s) * d + i % d] = 0.f;
        }
        for (int i = threadIdx.x; i < group; i += blockDim.x) {
            partMax[(long long) (h0 + i) * splits + s] = -INFINITY;
            partSum[(long long) (h0 + i) * splits + s] = 0.f;
        }
        return;
    }
    float* qs = smem;                       // [group][d]
    float* sc = smem + group * d;           // [group][splitKeys]
    const float* qg = q + (long long) h0 * d;
    for (int i = threadIdx.x; i < group * d; i += blockDim.x) qs[i] = qg[i];
    // The slice is at most two contiguous runs of the ring: one 64-bit modulo here, then slot0 + p
    // wraps at most once since len <= n <= window <= capacity.
    int slot0 = (int) ((first + begin) % capacity);
    const T* K = keys + (long long) kvh * capacity * d;
    const T* V = values + (long long) kvh * capacity * d;
    int lane = threadIdx.x % SPIKERT_WARP_SIZE, warp = threadIdx.x / SPIKERT_WARP_SIZE;
    int warps = blockDim.x / SPIKERT_WARP_SIZE;
    __syncthreads();   // qs complete

    // Scores: one warp per key, the row in registers (lane-strided, so each load is coalesced), the next
    // key of this warp loaded before this one's reductions so its latency overlaps them.
    float kr[SPIKERT_SWA_CHUNKS], kn[SPIKERT_SWA_CHUNKS];
    int p = warp;
    if (p < len) {
        int slot = slot0 + p;
        if (slot >= capacity) slot -= capacity;
        swa_load_row(kr, K + (long long) slot * d, lane, d);
    }
    for (; p < len; p += warps) {   // p is the same in every lane: the shuffles below see the full warp
        int pn = p + warps;
        if (pn < len) {
            int slot = slot0 + pn;
            if (slot >= capacity) slot -= capacity;
            swa_load_row(kn, K + (long long) slot * d, lane, d);
        }
        for (int g = 0; g < group; g++) {
            const float* qn = qs + g * d;
            float part = 0.f;
#pragma unroll
            for (int c = 0; c < SPIKERT_SWA_CHUNKS; c++) {
                int i = lane + c * SPIKERT_WARP_SIZE;
                if (i < d) part += qn[i] * kr[c];
            }
            part = warp_sum(part);
            if (lane == 0) sc[g * splitKeys + p] = part * scale;
        }
#pragma unroll
        for (int c = 0; c < SPIKERT_SWA_CHUNKS; c++) kr[c] = kn[c];
    }
    __syncthreads();   // every score written

    // Per query head, one warp: max, exp in place, sum. Only this warp touches row g of sc here.
    for (int g = warp; g < group; g += warps) {
        float* row = sc + g * splitKeys;
        float m = -INFINITY;
        for (int i = lane; i < len; i += SPIKERT_WARP_SIZE) m = fmaxf(m, row[i]);
        m = __shfl_sync(SPIKERT_FULL_MASK, warp_max(m), 0);
        float sum = 0.f;
        for (int i = lane; i < len; i += SPIKERT_WARP_SIZE) {
            float e = expf(row[i] - m);
            row[i] = e;
            sum += e;
        }
        sum = warp_sum(sum);
        if (lane == 0) {
            partMax[(long long) (h0 + g) * splits + s] = m;
            partSum[(long long) (h0 + g) * splits + s] = sum;
        }
    }
    __syncthreads();   // every exp written

    // Values: thread j owns column j for up to SPIKERT_SWA_GROUP_STEP query heads at a time, so each
    // value element is loaded once per step (once in all for groups up to 8); the weights are shared
    // memory broadcasts.
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        for (int g0 = 0; g0 < group; g0 += SPIKERT_SWA_GROUP_STEP) {
            float acc[SPIKERT_SWA_GROUP_STEP];
#pragma unroll
            for (int u = 0; u < SPIKERT_SWA_GROUP_STEP; u++) acc[u] = 0.f;
            int slot = slot0;
#pragma unroll 4
            for (int i = 0; i < len; i++) {
                float v = kv_value(V[(long long) slot * d + j]);
#pragma unroll
                for (int u = 0; u < SPIKERT_SWA_GROUP_STEP; u++) {
                    if (g0 + u < group) acc[u] += sc[(g0 + u) * splitKeys + i] * v;
                }
                if (++slot == capacity) slot = 0;
            }
#pragma unroll
            for (int u = 0; u < SPIKERT_SWA_GROUP_STEP; u++) {
                if (g0 + u < group) partOut[((long long) (h0 + g0 + u) * splits + s) * d + j] = acc[u];
            }
        }
    }
}

extern "C" __global__ void swa_decode_split(const float* __restrict__ q, const float* __restrict__ keys,
                                            const float* __restrict__ values, float* __restrict__ partOut,
                                            float* __restrict__ partMax, float* __restrict__ partSum,
                                            int numHeads, int kvHeads, int d, int capacity, int window,
                                            long long pos, float scale, int splitKeys, int splits) {
    swa_decode_split_ring(q, keys, values, partOut, partMax, partSum, numHeads, kvHeads, d, capacity, window, pos,
                          scale, splitKeys, splits);
}

extern "C" __global__ void swa_decode_split_bf16(const float* __restrict__ q, const unsigned short* __restrict__ keys,
                                                 const unsigned short* __restrict__ values, float* __restrict__ partOut,
                                                 float* __restrict__ partMax, float* __restrict__ partSum,
                                                 int numHeads, int kvHeads, int d, int capacity, int window,
                                                 long long pos, float scale, int splitKeys, int splits) {
    swa_decode_split_ring(q, keys, values, partOut, partMax, partSum, numHeads, kvHeads, d, capacity, window, pos,
                          scale, splitKeys, splits);
}

// Merges swa_decode_split's partials of query head blockIdx.x: with M the largest partial max,
//   out[j] = sum_s exp(m_s - M) * partOut[s][j] / sum_s exp(m_s - M) * partSum[s].
// Warp w takes splits w, w + warps, ...; lane-strided columns in registers; the warps' sums meet in
// dynamic shared memory [warps][d]. d <= SPIKERT_SWA_MAX_D.
extern "C" __global__ void swa_decode_combine(const float* __restrict__ partOut, const float* __restrict__ partMax,
                                              const float* __restrict__ partSum, float* __restrict__ out,
                                              int numHeads, int d, int splits) {
    extern __shared__ float warpOut[];
    int h = blockIdx.x;
    if (h >= numHeads) return;
    const float* pm = partMax + (long long) h * splits;
    const float* ps = partSum + (long long) h * splits;
    const float* po = partOut + (long long) h * splits * d;
    float M = -INFINITY;
    for (int s = threadIdx.x; s < splits; s += blockDim.x) M = fmaxf(M, pm[s]);
    M = block_max(M);
    double total = 0;
    for (int s = threadIdx.x; s < splits; s += blockDim.x) {
        if (ps[s] > 0.f) total += (double) ps[s] * expf(pm[s] - M);
    }
    total = block_sum_d(total);
    int lane = threadIdx.x % SPIKERT_WARP_SIZE, warp = threadIdx.x / SPIKERT_WARP_SIZE;
    int warps = blockDim.x / SPIKERT_WARP_SIZE;
    float acc[SPIKERT_SWA_CHUNKS];
#pragma unroll
    for (int c = 0; c < SPIKERT_SWA_CHUNKS; c++) acc[c] = 0.f;
    for (int s = warp; s < splits; s += warps) {
        // A neutral partial (sum 0, max -inf) adds nothing; skipping it also keeps -inf - -inf out.
        if (!(ps[s] > 0.f)) continue;
        float w = expf(pm[s] - M);
        const float* row = po + (long long) s * d;
#pragma unroll
        for (int c = 0; c < SPIKERT_SWA_CHUNKS; c++) {
            int j = lane + c * SPIKERT_WARP_SIZE;
            if (j < d) acc[c] += w * row[j];
        }
    }
#pragma unroll
    for (int c = 0; c < SPIKERT_SWA_CHUNKS; c++) {
        int j = lane + c * SPIKERT_WARP_SIZE;
        if (j < d) warpOut[warp * d + j] = acc[c];
    }
    __syncthreads();   // every warp's sums written
    float inv = (float) (1.0 / total);
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        float t = 0.f;
        for (int w = 0; w < warps; w++) t += warpOut[w * d + j];
        out[(long long) h * d + j] = t * inv;
    }
}

// Stores `tokens` keys and values, already rotated, into the ring: row t of k/v (at t * ldk, t * ldv;
// kv head h at h * d within a row) goes to slot (pos0 + t) % capacity of head h. One block per
// (token, kv head), threads over d.
template <typename T>
__device__ __forceinline__ void kv_ring_store_ring(T* __restrict__ keys, T* __restrict__ values,
                                                   const float* __restrict__ k, const float* __restrict__ v,
                                                   int tokens, int kvHeads, int d, int capacity, long long pos0,
                                                   int ldk, int ldv) {
    int t = blockIdx.x, h = blockIdx.y;
    if (t >= tokens || h >= kvHeads) return;
    long long slot = (pos0 + t) % capacity;
    T* kd = keys + ((long long) h * capacity + slot) * d;
    T* vd = values + ((long long) h * capacity + slot) * d;
    const float* ks = k + (long long) t * ldk + (long long) h * d;
    const float* vs = v + (long long) t * ldv + (long long) h * d;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        kv_put(kd + i, ks[i]);
        kv_put(vd + i, vs[i]);
    }
}

extern "C" __global__ void kv_ring_store(float* __restrict__ keys, float* __restrict__ values,
                                         const float* __restrict__ k, const float* __restrict__ v,
                                         int tokens, int kvHeads, int d, int capacity, long long pos0,
                                         int ldk, int ldv) {
    kv_ring_store_ring(keys, values, k, v, tokens, kvHeads, d, capacity, pos0, ldk, ldv);
}

extern "C" __global__ void kv_ring_store_bf16(unsigned short* __restrict__ keys, unsigned short* __restrict__ values,
                                              const float* __restrict__ k, const float* __restrict__ v,
                                              int tokens, int kvHeads, int d, int capacity, long long pos0,
                                              int ldk, int ldv) {
    kv_ring_store_ring(keys, values, k, v, tokens, kvHeads, d, capacity, pos0, ldk, ldv);
}
