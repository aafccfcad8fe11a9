// W8ASpike: adaptive-threshold spike counts, the integer products with INT8 weights, and the SWA quantisers.
// Weights: int8 codes clamp(code, -127, 127) with one fp32 scale per row and group of 128 inputs
// (scales [rows][cols / 128]), plus the exact outlier residuals code - int8 as a per-row CSR list
// (outlierStart [rows + 1], outlierCol / outlierResidual sorted by column within a row). Each
// group's sum of code * count is an int32, as on the CPU (|count| <= Int8Weights.MAX_ABS_COUNT).
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

// Dense: y[r] = vth * sum_g scale[r, g] * sum_{i in g} code[r, i] * counts[i]. One warp per row,
// codes row-major [rows][cols]. Lane 0 folds the row's outliers of group g into that group's sum.
extern "C" __global__ void int8_matvec(const signed char* __restrict__ codes, const float* __restrict__ scales,
                                       const int* __restrict__ outlierStart, const int* __restrict__ outlierCol,
                                       const int* __restrict__ outlierResidual, const int* __restrict__ counts,
                                       const float* __restrict__ vth, float* __restrict__ y, int rows, int cols) {
    int lane = threadIdx.x % SPIKERT_WARP_SIZE;
    int r = blockIdx.x * (blockDim.x / SPIKERT_WARP_SIZE) + threadIdx.x / SPIKERT_WARP_SIZE;
    if (r >= rows) return;
    const signed char* cr = codes + (long long) r * cols;
    int groups = cols / SPIKERT_GROUP;
    int e = outlierStart[r], eEnd = outlierStart[r + 1];
    float row = 0;
    for (int g = 0; g < groups; g++) {
        int sum = 0;
        for (int i = g * SPIKERT_GROUP + lane; i < (g + 1) * SPIKERT_GROUP; i += SPIKERT_WARP_SIZE)
            sum += (int) cr[i] * counts[i];
        sum = warp_sum_i(sum);
        if (lane == 0) {
            for (; e < eEnd && outlierCol[e] < (g + 1) * SPIKERT_GROUP; e++)
                sum += outlierResidual[e] * counts[outlierCol[e]];
            row += scales[(long long) r * groups + g] * (float) sum;
        }
    }
    if (lane == 0) y[r] = vth[0] * row;
}

// Event-driven: the same product, but only non-zero counts are visited. Codes are input-major
// [cols][rows] so one event reads a contiguous run of rows; one thread per row, and per group the
// block first compacts the group's non-zero inputs into shared memory, so silent inputs cost nothing.
extern "C" __global__ void spike_matvec(const signed char* __restrict__ codesT, const float* __restrict__ scales,
                                        const int* __restrict__ outlierStart, const int* __restrict__ outlierCol,
                                        const int* __restrict__ outlierResidual, const int* __restrict__ counts,
                                        const float* __restrict__ vth, float* __restrict__ y, int rows, int cols) {
    __shared__ int activeCol[SPIKERT_GROUP];
    __shared__ int activeCount[SPIKERT_GROUP];
    __shared__ int active;
    int r = blockIdx.x * blockDim.x + threadIdx.x;
    int groups = cols / SPIKERT_GROUP;
    int e = 0, eEnd = 0;
    if (r < rows) { e = outlierStart[r]; eEnd = outlierStart[r + 1]; }
    float row = 0;
    for (int g = 0; g < groups; g++) {
        if (threadIdx.x == 0) active = 0;
        __syncthreads();
        for (int i = threadIdx.x; i < SPIKERT_GROUP; i += blockDim.x) {
            int s = counts[g * SPIKERT_GROUP + i];
            if (s != 0) {
                int slot = atomicAdd(&active, 1);
                activeCol[slot] = g * SPIKERT_GROUP + i;
                activeCount[slot] = s;
            }
        }
        __syncthreads();
        if (r < rows) {
            int sum = 0;
            for (int a = 0; a < active; a++) sum += (int) codesT[(long long) activeCol[a] * rows + r] * activeCount[a];
            for (; e < eEnd && outlierCol[e] < (g + 1) * SPIKERT_GROUP; e++)
                sum += outlierResidual[e] * counts[outlierCol[e]];
            row += scales[(long long) r * groups + g] * (float) sum;
        }
        __syncthreads();
    }
    if (r < rows) y[r] = vth[0] * row;
}

// Tokens one warp of spike_matmul / int8_float_matmul carries at once: each code loaded is used for
// this many tokens' products (a prefill chunk reads its weights once per tile, not once per token).
#define SPIKERT_SPIKE_TOKENS 8

// int8_matvec over a prefill chunk: y[t, r] = vth[t] * sum_g scale[r, g] * sum_{i in g} code[r, i] * counts[t, i]
// for tokens t (counts [tokens][cols], y [tokens][rows]). One warp per row and tile of
// SPIKERT_SPIKE_TOKENS tokens (blockIdx.y); each group's sum is an int32 per token, as in int8_matvec.
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
    const int* c0 = counts + (long long) t0 * cols;
    int groups = cols / SPIKERT_GROUP;
    int e = outlierStart[r], eEnd = outlierStart[r + 1];
    float row[SPIKERT_SPIKE_TOKENS];
    for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) row[j] = 0;
    for (int g = 0; g < groups; g++) {
        int sum[SPIKERT_SPIKE_TOKENS];
        for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) sum[j] = 0;
        for (int i = g * SPIKERT_GROUP + lane; i < (g + 1) * SPIKERT_GROUP; i += SPIKERT_WARP_SIZE) {
            int code = cr[i];
            for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++)
                if (j < nt) sum[j] += code * c0[(long long) j * cols + i];
        }
        for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) sum[j] = warp_sum_i(sum[j]);
        if (lane == 0) {
            for (; e < eEnd && outlierCol[e] < (g + 1) * SPIKERT_GROUP; e++)
                for (int j = 0; j < nt; j++) sum[j] += outlierResidual[e] * c0[(long long) j * cols + outlierCol[e]];
            float s = scales[(long long) r * groups + g];
            for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) row[j] += s * (float) sum[j];
        }
    }
    if (lane == 0)
        for (int j = 0; j < nt; j++) y[(long long) (t0 + j) * rows + r] = vth[t0 + j] * row[j];
}

// The INT8 codes times an un-spiked float input (W8ASpike's down_proj when its raw weight is exactly
// code x scale): y[t, r] = sum_g scale[r, g] * sum_{i in g} code[r, i] * x[t, i] (x [tokens][cols],
// y [tokens][rows]), group sums in float, the outliers' residuals folded into their group's sum.
// Geometry as spike_matmul.
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
    const float* x0 = x + (long long) t0 * cols;
    int groups = cols / SPIKERT_GROUP;
    int e = outlierStart[r], eEnd = outlierStart[r + 1];
    float row[SPIKERT_SPIKE_TOKENS];
    for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) row[j] = 0;
    for (int g = 0; g < groups; g++) {
        float sum[SPIKERT_SPIKE_TOKENS];
        for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) sum[j] = 0;
        for (int i = g * SPIKERT_GROUP + lane; i < (g + 1) * SPIKERT_GROUP; i += SPIKERT_WARP_SIZE) {
            float code = (float) cr[i];
            for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++)
                if (j < nt) sum[j] += code * x0[(long long) j * cols + i];
        }
        for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) sum[j] = warp_sum(sum[j]);
        if (lane == 0) {
            for (; e < eEnd && outlierCol[e] < (g + 1) * SPIKERT_GROUP; e++)
                for (int j = 0; j < nt; j++) sum[j] += (float) outlierResidual[e] * x0[(long long) j * cols + outlierCol[e]];
            float s = scales[(long long) r * groups + g];
            for (int j = 0; j < SPIKERT_SPIKE_TOKENS; j++) row[j] += s * sum[j];
        }
    }
    if (lane == 0)
        for (int j = 0; j < nt; j++) y[(long long) (t0 + j) * rows + r] = row[j];
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
extern "C" __global__ void int8_quantize(float* __restrict__ x, int n, int rows) {
    int r = blockIdx.x;
    if (r >= rows) return;
    float* xr = x + (long long) r * n;
    float m = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) m = fmaxf(m, fabsf(xr[i]));
    m = block_max(m);
    float s = m / 127.f;
    s = s < 1e-5f ? 1e-5f : (s > 1e4f ? 1e4f : s);
    for (int i = threadIdx.x; i < n; i += blockDim.x) xr[i] = fminf(fmaxf(rintf(xr[i] / s), -128.f), 127.f) * s;
}
