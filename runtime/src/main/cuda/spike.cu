// W8ASpike: adaptive-threshold spike counts, the integer products with INT8 weights, and the SWA quantisers.
// Weights: int8 codes clamp(code, -127, 127) with one fp32 scale per row and group of 128 inputs
// (scales [rows][cols / 128]), plus the exact outlier residuals code - int8 as a per-row CSR list
// (outlierStart [rows + 1], outlierCol / outlierResidual sorted by column within a row). Each
// group's sum of int8 code * count is an int32, as on the CPU (|count| <= Int8Weights.MAX_ABS_COUNT
// bounds it for codes within +-127). The dense products add the outliers apart, each times its group's
// scale, as Int8MatVec does, so a residual up to the int16 code range never enters that int32 sum.
#include "spikert_common.cuh"

#define SPIKERT_GROUP 128

// counts[r, i] = rint(x[r, i] / vth[r]), vth[r] = clamp(mean|x[r, :]| / k, 1e-5, 1e4). One block per row.
// The mean is summed in double and rounded once to float, as SpikeCounts does.
extern "C" __global__ void spike_encode(const float* __restrict__ x, int* __restrict__ counts,
                                        float* __restrict__ vth, int n, float k, int rows) {
    int r = blockIdx.x;
    if (r >= rows) return;
    const float* xr = x + (long long) r * n;
    double s = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) s += fabs((double) xr[i]);
    s = block_sum_d(s);
    float v = (float) (s / n) / k;
    v = v < 1e-5f ? 1e-5f : (v > 1e4f ? 1e4f : v);
    if (threadIdx.x == 0) vth[r] = v;
    for (int i = threadIdx.x; i < n; i += blockDim.x) counts[(long long) r * n + i] = __float2int_rn(xr[i] / v);
}

// The dense products read a row's codes 16 to a lane with one 128-bit load, so a warp's load covers
// 512 contiguous bytes (four groups) rather than 32, so a decode step is bound by HBM bandwidth rather
// than by load and shuffle instructions (by construction; not yet timed on a device). The 8 lanes that share a group add their
// int32 partials with 3 shuffles, and the first of them scales the exact group sum. Codes, counts and
// x must be 16-byte aligned (device allocations are; rows are cols bytes or floats apart, and cols is
// a multiple of 128), which DeviceOps checks.
#define SPIKERT_LANE_CODES 16
#define SPIKERT_GROUP_LANES (SPIKERT_GROUP / SPIKERT_LANE_CODES)
#define SPIKERT_WARP_CODES (SPIKERT_WARP_SIZE * SPIKERT_LANE_CODES)

// Code k (0..3) of a little-endian word of four int8 codes, sign-extended.
__device__ __forceinline__ int code_at(unsigned int w, int k) {
    return ((int) (w << (24 - 8 * k))) >> 24;
}

__device__ __forceinline__ int4 load_codes(const signed char* __restrict__ p) {
    return *reinterpret_cast<const int4*>(p);
}

// sum_{k < 16} code[k] * s[k], the codes packed in c; s 16-byte aligned.
__device__ __forceinline__ int dot16_i(int4 c, const int* __restrict__ s) {
    const int4* s4 = reinterpret_cast<const int4*>(s);
    unsigned int w[4] = {(unsigned int) c.x, (unsigned int) c.y, (unsigned int) c.z, (unsigned int) c.w};
    int sum = 0;
#pragma unroll
    for (int q = 0; q < 4; q++) {
        int4 v = s4[q];
        sum += code_at(w[q], 0) * v.x + code_at(w[q], 1) * v.y + code_at(w[q], 2) * v.z + code_at(w[q], 3) * v.w;
    }
    return sum;
}

// sum_{k < 16} code[k] * x[k] in float, in order; x 16-byte aligned.
__device__ __forceinline__ float dot16_f(int4 c, const float* __restrict__ x) {
    const float4* x4 = reinterpret_cast<const float4*>(x);
    unsigned int w[4] = {(unsigned int) c.x, (unsigned int) c.y, (unsigned int) c.z, (unsigned int) c.w};
    float sum = 0;
#pragma unroll
    for (int q = 0; q < 4; q++) {
        float4 v = x4[q];
        sum += (float) code_at(w[q], 0) * v.x;
        sum += (float) code_at(w[q], 1) * v.y;
        sum += (float) code_at(w[q], 2) * v.z;
        sum += (float) code_at(w[q], 3) * v.w;
    }
    return sum;
}

// The sum over the SPIKERT_GROUP_LANES lanes that share a group, in each of them.
__device__ __forceinline__ int group_sum_i(int v) {
#pragma unroll
    for (int o = 1; o < SPIKERT_GROUP_LANES; o <<= 1) v += __shfl_xor_sync(SPIKERT_FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ float group_sum_f(float v) {
#pragma unroll
    for (int o = 1; o < SPIKERT_GROUP_LANES; o <<= 1) v += __shfl_xor_sync(SPIKERT_FULL_MASK, v, o);
    return v;
}

// Dense: y[r] = vth * sum_g scale[r, g] * sum_{i in g} code[r, i] * counts[i]. One warp per row,
// codes row-major [rows][cols]; the row's outliers are spread over the lanes.
extern "C" __global__ void int8_matvec(const signed char* __restrict__ codes, const float* __restrict__ scales,
                                       const int* __restrict__ outlierStart, const int* __restrict__ outlierCol,
                                       const int* __restrict__ outlierResidual, const int* __restrict__ counts,
                                       const float* __restrict__ vth, float* __restrict__ y, int rows, int cols) {
    int lane = threadIdx.x % SPIKERT_WARP_SIZE;
    int r = blockIdx.x * (blockDim.x / SPIKERT_WARP_SIZE) + threadIdx.x / SPIKERT_WARP_SIZE;
    if (r >= rows) return; // the whole warp: every lane below reaches every shuffle
    const signed char* cr = codes + (long long) r * cols;
    const float* sr = scales + (long long) r * (cols / SPIKERT_GROUP);
    bool leader = lane % SPIKERT_GROUP_LANES == 0;
    float acc = 0;
    for (int base = 0; base < cols; base += SPIKERT_WARP_CODES) {
        // A group's lanes are all in or all out, since cols is a multiple of the group.
        int i = base + lane * SPIKERT_LANE_CODES;
        bool in = i < cols;
        int s = in ? dot16_i(load_codes(cr + i), counts + i) : 0;
        s = group_sum_i(s);
        if (in && leader) acc += sr[i / SPIKERT_GROUP] * (float) s;
    }
    for (int e = outlierStart[r] + lane; e < outlierStart[r + 1]; e += SPIKERT_WARP_SIZE) {
        int c = outlierCol[e];
        acc += sr[c / SPIKERT_GROUP] * ((float) outlierResidual[e] * (float) counts[c]);
    }
    acc = warp_sum(acc);
    if (lane == 0) y[r] = vth[0] * acc;
}

// Tokens one warp of spike_matmul / int8_float_matmul carries at once: each code loaded is used for
// this many tokens' products (a prefill chunk reads its weights once per tile, not once per token).
#define SPIKERT_SPIKE_TOKENS 8

// int8_matvec over a prefill chunk: y[t, r] = vth[t] * sum_g scale[r, g] * sum_{i in g} code[r, i] * counts[t, i]
// for tokens t (counts [tokens][cols], y [tokens][rows]). One warp per row and tile of
// SPIKERT_SPIKE_TOKENS tokens (blockIdx.y); each group's sum is an int32 per token, as in int8_matvec.
// The tile's live tokens nt are the same for the whole warp, so the j < nt tests keep the shuffles
// uniform, and a short tile (a decode step: nt = 1) does no reductions for tokens it does not have.
extern "C" __global__ void spike_matmul(const signed char* __restrict__ codes, const float* __restrict__ scales,
                                        const int* __restrict__ outlierStart, const int* __restrict__ outlierCol,
                                        const int* __restrict__ outlierResidual, const int* __restrict__ counts,
                                        const float* __restrict__ vth, float* __restrict__ y, int rows, int cols,
                                        int tokens) {
    int lane = threadIdx.x % SPIKERT_WARP_SIZE;
    int r = blockIdx.x * (blockDim.x / SPIKERT_WARP_SIZE) + threadIdx.x / SPIKERT_WARP_SIZE;
    int t0 = blockIdx.y * SPIKERT_SPIKE_TOKENS;
    if (r >= rows || t0 >= tokens) return;
    int nt = min(SPIKERT_SPIKE_TOKENS, tokens - t0);
    const signed char* cr = codes + (long long) r * cols;
    const float* sr = scales + (long long) r * (cols / SPIKERT_GROUP);
    const int* c0 = counts + (long long) t0 * cols;
    bool leader = lane % SPIKERT_GROUP_LANES == 0;
    float acc[SPIKERT_SPIKE_TOKENS];
#pragma unroll
    for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) acc[j] = 0;
    for (int base = 0; base < cols; base += SPIKERT_WARP_CODES) {
        int i = base + lane * SPIKERT_LANE_CODES;
        bool in = i < cols;
        int4 code = in ? load_codes(cr + i) : make_int4(0, 0, 0, 0);
        float scale = in && leader ? sr[i / SPIKERT_GROUP] : 0.f;
#pragma unroll
        for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) {
            if (j < nt) {
                int s = in ? dot16_i(code, c0 + (long long) j * cols + i) : 0;
                s = group_sum_i(s);
                acc[j] += scale * (float) s;
            }
        }
    }
    for (int e = outlierStart[r] + lane; e < outlierStart[r + 1]; e += SPIKERT_WARP_SIZE) {
        int c = outlierCol[e];
        float scale = sr[c / SPIKERT_GROUP], residual = (float) outlierResidual[e];
#pragma unroll
        for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++)
            if (j < nt) acc[j] += scale * (residual * (float) c0[(long long) j * cols + c]);
    }
#pragma unroll
    for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) {
        if (j < nt) {
            float v = warp_sum(acc[j]);
            if (lane == 0) y[(long long) (t0 + j) * rows + r] = vth[t0 + j] * v;
        }
    }
}

// The INT8 codes times an un-spiked float input (W8ASpike's down_proj when its raw weight is exactly
// code x scale): y[t, r] = sum_g scale[r, g] * sum_{i in g} code[r, i] * x[t, i] (x [tokens][cols],
// y [tokens][rows]), group sums in float, the outliers' residuals times their group's scale added apart.
// Geometry as spike_matmul; DeviceOps launches it for decode steps too (one token, nt = 1).
extern "C" __global__ void int8_float_matmul(const signed char* __restrict__ codes, const float* __restrict__ scales,
                                             const int* __restrict__ outlierStart, const int* __restrict__ outlierCol,
                                             const int* __restrict__ outlierResidual, const float* __restrict__ x,
                                             float* __restrict__ y, int rows, int cols, int tokens) {
    int lane = threadIdx.x % SPIKERT_WARP_SIZE;
    int r = blockIdx.x * (blockDim.x / SPIKERT_WARP_SIZE) + threadIdx.x / SPIKERT_WARP_SIZE;
    int t0 = blockIdx.y * SPIKERT_SPIKE_TOKENS;
    if (r >= rows || t0 >= tokens) return;
    int nt = min(SPIKERT_SPIKE_TOKENS, tokens - t0);
    const signed char* cr = codes + (long long) r * cols;
    const float* sr = scales + (long long) r * (cols / SPIKERT_GROUP);
    const float* x0 = x + (long long) t0 * cols;
    bool leader = lane % SPIKERT_GROUP_LANES == 0;
    float acc[SPIKERT_SPIKE_TOKENS];
#pragma unroll
    for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) acc[j] = 0;
    for (int base = 0; base < cols; base += SPIKERT_WARP_CODES) {
        int i = base + lane * SPIKERT_LANE_CODES;
        bool in = i < cols;
        int4 code = in ? load_codes(cr + i) : make_int4(0, 0, 0, 0);
        float scale = in && leader ? sr[i / SPIKERT_GROUP] : 0.f;
#pragma unroll
        for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) {
            if (j < nt) {
                float s = in ? dot16_f(code, x0 + (long long) j * cols + i) : 0.f;
                s = group_sum_f(s);
                acc[j] += scale * s;
            }
        }
    }
    for (int e = outlierStart[r] + lane; e < outlierStart[r + 1]; e += SPIKERT_WARP_SIZE) {
        int c = outlierCol[e];
        float scale = sr[c / SPIKERT_GROUP], residual = (float) outlierResidual[e];
#pragma unroll
        for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++)
            if (j < nt) acc[j] += scale * (residual * x0[(long long) j * cols + c]);
    }
#pragma unroll
    for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) {
        if (j < nt) {
            float v = warp_sum(acc[j]);
            if (lane == 0) y[(long long) (t0 + j) * rows + r] = v;
        }
    }
}

// The SWA query after RoPE, in place, one block per row of n (a token's head):
// vth = clamp(mean|x| / k, 1e-5, 1e4), x = vth * rint(x / vth), the value its spike train carries.
// The mean as in spike_encode (double sum, rounded once to float).
extern "C" __global__ void spike_quantize(float* __restrict__ x, int n, float k, int rows) {
    int r = blockIdx.x;
    if (r >= rows) return;
    float* xr = x + (long long) r * n;
    double s = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) s += fabs((double) xr[i]);
    s = block_sum_d(s); // its barriers also order every read above before the writes below
    float v = (float) (s / n) / k;
    v = v < 1e-5f ? 1e-5f : (v > 1e4f ? 1e4f : v);
    for (int i = threadIdx.x; i < n; i += blockDim.x) xr[i] = v * (float) __float2int_rn(xr[i] / v);
}

// SWA keys or values, in place, one block per row of n (a token's kv head): symmetric int8,
// scale = clamp(max|x| / 127, 1e-5, 1e4), x = clamp(rint(x / scale), -128, 127) * scale.
// A NaN anywhere in the row makes the whole row NaN, as on the CPU (Math.max and Math.clamp pass NaN
// on; fmaxf / fminf would drop it and store a NaN as a finite -128 * scale, hiding the fault).
extern "C" __global__ void int8_quantize(float* __restrict__ x, int n, int rows) {
    int r = blockIdx.x;
    if (r >= rows) return;
    float* xr = x + (long long) r * n;
    float m = 0;
    int nan = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float a = fabsf(xr[i]);
        m = fmaxf(m, a);
        nan |= a != a;
    }
    m = block_max(m); // its barriers also order every read above before the writes below
    float s = m / 127.f;
    s = s < 1e-5f ? 1e-5f : (s > 1e4f ? 1e4f : s);
    if (__syncthreads_or(nan)) s = __int_as_float(0x7fffffff);
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float q = rintf(xr[i] / s);
        xr[i] = (q < -128.f ? -128.f : (q > 127.f ? 127.f : q)) * s;
    }
}
