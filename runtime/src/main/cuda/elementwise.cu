// Row-wise and element-wise operators: RMSNorm, rotate-half RoPE, SiLU(gate) * up, embedding gather.
// Row-major fp32 activations; fp32 math (sums of squares in double, as the CPU twin does).
#include "spikert_common.cuh"

// out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * w. One block per row; block a multiple of the warp.
extern "C" __global__ void rmsnorm(const float* __restrict__ x, const float* __restrict__ w,
                                   float* __restrict__ out, int n, float eps, int rows) {
    int r = blockIdx.x;
    if (r >= rows) return;
    const float* xr = x + (long long) r * n;
    float* outr = out + (long long) r * n;
    double ss = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) ss += (double) xr[i] * xr[i];
    ss = block_sum_d(ss);
    float inv = (float) (1.0 / sqrt(ss / n + eps));
    for (int i = threadIdx.x; i < n; i += blockDim.x) outr[i] = xr[i] * inv * w[i];
}

// In place on x[t, h * headDim + i] for tokens t, heads h; cos/sin are [tokens][headDim / 2].
// One block per token, threads over (head, i < headDim / 2).
extern "C" __global__ void rope_rotate_half(float* __restrict__ x, const float* __restrict__ cosv,
                                            const float* __restrict__ sinv, int tokens, int numHeads,
                                            int headDim, int ldx) {
    int t = blockIdx.x;
    if (t >= tokens) return;
    int half = headDim / 2;
    const float* c = cosv + (long long) t * half;
    const float* s = sinv + (long long) t * half;
    float* xt = x + (long long) t * ldx;
    for (int idx = threadIdx.x; idx < numHeads * half; idx += blockDim.x) {
        int h = idx / half, i = idx % half;
        float* base = xt + h * headDim;
        float a = base[i], b = base[i + half];
        base[i] = a * c[i] - b * s[i];
        base[i + half] = b * c[i] + a * s[i];
    }
}

// out[i] = gate[i] * sigmoid(gate[i]) * up[i], grid-stride over n. out may be gate (the MLP writes in
// place), so neither carries __restrict__: with it the compiler may read gate through the non-coherent
// read-only path while out writes the same bytes, which the language leaves undefined.
extern "C" __global__ void silu_mul(const float* gate, const float* __restrict__ up, float* out, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

// out[t, :] = table[ids[t], :] widened to fp32. One block per token.
extern "C" __global__ void embedding_gather_bf16(const unsigned short* __restrict__ table,
                                                 const int* __restrict__ ids, float* __restrict__ out,
                                                 int count, int dim) {
    int t = blockIdx.x;
    if (t >= count) return;
    const unsigned short* row = table + (long long) ids[t] * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) out[(long long) t * dim + i] = bf16_to_f32(row[i]);
}

extern "C" __global__ void embedding_gather_f32(const float* __restrict__ table, const int* __restrict__ ids,
                                                float* __restrict__ out, int count, int dim) {
    int t = blockIdx.x;
    if (t >= count) return;
    const float* row = table + (long long) ids[t] * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) out[(long long) t * dim + i] = row[i];
}

// y[r, i] = act(y[r, i] + bias[i]) for rows r and i < n, grid-stride; bias may be null (no bias).
// act 0: identity; 1: relu (GLA q and k); 2: logsigmoid(v) / divisor, written as
// min(v, 0) - log1p(exp(-|v|)) so neither tail overflows (the GLA gate). Fusing bias and activation
// saves a launch per projection, which is most of the small-kernel cost of a decode step.
extern "C" __global__ void bias_act(float* __restrict__ y, const float* __restrict__ bias, int n, int rows,
                                    int act, float divisor) {
    long long total = (long long) n * rows;
    float inv = 1.0f / divisor;
    for (long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x; idx < total;
         idx += (long long) gridDim.x * blockDim.x) {
        float v = y[idx];
        if (bias != nullptr) v += bias[idx % n];
        if (act == 1) {
            v = fmaxf(v, 0.0f);
        } else if (act == 2) {
            v = (fminf(v, 0.0f) - log1pf(expf(-fabsf(v)))) * inv;
        }
        y[idx] = v;
    }
}

// x[i] += y[i], grid-stride: the residual connections.
extern "C" __global__ void add_inplace(float* __restrict__ x, const float* __restrict__ y, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) x[i] += y[i];
}

// cos/sin [tokens][headDim / 2] for positions pos0 + t, computed as the CPU does (Rope.angles): the
// inverse frequency in double rounded to float, the angle a float product of (float) position and
// it, cos and sin in double rounded to float. One block per token.
extern "C" __global__ void rope_angles(float* __restrict__ cosv, float* __restrict__ sinv, long long pos0,
                                       int tokens, int headDim, float theta) {
    int t = blockIdx.x;
    if (t >= tokens) return;
    int half = headDim / 2;
    float p = (float) (pos0 + t);
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        float invFreq = (float) (1.0 / pow((double) theta, 2.0 * i / headDim));
        float angle = __fmul_rn(p, invFreq);
        cosv[(long long) t * half + i] = (float) cos((double) angle);
        sinv[(long long) t * half + i] = (float) sin((double) angle);
    }
}
