// Runs spike.cu's INT8 product kernels on the host, one std::thread per lane, so their index math,
// lane-to-group mapping, tails and shuffles can be checked where there is no GPU: a shuffle is a
// write, a barrier of the warp's 32 threads, a read and a second barrier. It checks the kernels
// without barriers (one warp per row), against a plain double reference like Int8MatVecScalar.
//   g++ -std=c++20 -O1 -pthread -I/usr/local/cuda/include runtime/src/test/cuda/warp_emulator.cpp -o /tmp/warp_emulator && /tmp/warp_emulator
#include <barrier>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>
#include <vector>
#include <vector_types.h>

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
struct Dim { unsigned x = 1, y = 1, z = 1; };
thread_local Dim threadIdx, blockIdx;
static Dim blockDim;
static int warpSize32 = 32;

struct Warp {
    std::barrier<> bar{32};
    unsigned long long slot[32];
};
thread_local Warp* warp;

template <typename T> T shfl(T v, int src) {
    int lane = threadIdx.x % 32;
    std::memcpy(&warp->slot[lane], &v, sizeof v);
    warp->bar.arrive_and_wait();
    T out = v;
    if (src >= 0 && src < 32) std::memcpy(&out, &warp->slot[src], sizeof out);
    warp->bar.arrive_and_wait();
    return out;
}
template <typename T> T __shfl_down_sync(unsigned, T v, int o) { return shfl(v, (int) (threadIdx.x % 32) + o); }
template <typename T> T __shfl_xor_sync(unsigned, T v, int o) { return shfl(v, (int) (threadIdx.x % 32) ^ o); }
inline void __syncthreads() { throw "no block barrier in the emulator"; }
inline int4 make_int4(int a, int b, int c, int d) { return int4{a, b, c, d}; }
inline int __float2int_rn(float f) { return (int) std::nearbyint(f); }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline int __syncthreads_or(int) { throw "no block barrier in the emulator"; }
inline int atomicAdd(int* p, int v) { int o = *p; *p += v; return o; }
using std::min;

#include "../../main/cuda/spike.cu"

// Launches `kernel` on a grid, running each warp's 32 lanes as threads.
template <typename F> void launch(int gx, int gy, int bx, F kernel) {
    blockDim = Dim{(unsigned) bx, 1, 1};
    for (int by = 0; by < gy; by++)
        for (int b = 0; b < gx; b++)
            for (int w = 0; w < bx / 32; w++) {
                Warp wp;
                std::vector<std::thread> lanes;
                for (int l = 0; l < 32; l++)
                    lanes.emplace_back([&, l] {
                        threadIdx = Dim{(unsigned) (w * 32 + l), 0, 0};
                        blockIdx = Dim{(unsigned) b, (unsigned) by, 0};
                        warp = &wp;
                        kernel();
                        // Lanes that return early still meet the others' barriers: none do here, rows end warp-wide.
                    });
                for (auto& t : lanes) t.join();
            }
}

struct Layout {
    int rows, cols;
    std::vector<int> codes;  // exact
    std::vector<signed char> int8;
    std::vector<int> start, col, residual;
    std::vector<float> scales;
};

static Layout layout(std::mt19937& g, int rows, int cols) {
    Layout l{rows, cols};
    std::uniform_int_distribution<int> in8(-127, 127), wide(-200, 200), pick(0, 19);
    std::uniform_real_distribution<float> sc(1e-3f, 1.1e-2f);
    l.start.push_back(0);
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            int code = pick(g) == 0 ? wide(g) : in8(g);
            int q = std::max(-127, std::min(127, code));
            l.codes.push_back(code);
            l.int8.push_back((signed char) q);
            if (q != code) { l.col.push_back(c); l.residual.push_back(code - q); }
        }
        l.start.push_back((int) l.col.size());
    }
    for (int i = 0; i < rows * cols / 128; i++) l.scales.push_back(sc(g));
    if (l.col.empty()) { l.col.push_back(0); l.residual.push_back(0); }
    return l;
}

static double ref(const Layout& l, int r, const float* x, bool intSums) {
    double row = 0;
    for (int g = 0; g < l.cols / 128; g++) {
        double s = 0;
        for (int i = g * 128; i < (g + 1) * 128; i++) s += (double) l.codes[(size_t) r * l.cols + i] * x[i];
        row += (double) l.scales[(size_t) r * (l.cols / 128) + g] * s;
    }
    (void) intSums;
    return row;
}

static int failures = 0;
static void expect(const char* what, float actual, double expected) {
    double err = std::fabs(actual - expected) / (1 + std::fabs(expected));
    if (!(err <= 1e-5)) {
        if (failures++ < 10) std::printf("FAIL %s: %.9g vs %.9g\n", what, actual, expected);
    }
}

int main() {
    std::mt19937 g(7);
    std::uniform_int_distribution<int> cnt(-3, 3);
    std::normal_distribution<float> gauss;
    // 384: a warp step of 512 codes with a tail of three groups; 1024: two whole steps; 128: one group.
    for (int cols : {128, 384, 1024}) {
        for (int tokens : {1, 11}) {
            int rows = 40;
            Layout l = layout(g, rows, cols);
            // 16-byte aligned as device allocations are (vector loads need it).
            std::vector<int> counts(tokens * cols);
            std::vector<float> cf(tokens * cols), x(tokens * cols), vth(tokens), y(tokens * rows, -1);
            for (int i = 0; i < tokens * cols; i++) { counts[i] = cnt(g) * (g() % 2); cf[i] = (float) counts[i]; x[i] = gauss(g); }
            for (int t = 0; t < tokens; t++) vth[t] = 0.01f + 0.1f * (g() % 1000) / 1000.f;
            int gx = (rows + 7) / 8, gy = (tokens + 7) / 8;
            if (tokens == 1) {
                launch(gx, 1, 256, [&] { int8_matvec(l.int8.data(), l.scales.data(), l.start.data(), l.col.data(),
                        l.residual.data(), counts.data(), vth.data(), y.data(), rows, cols); });
                for (int r = 0; r < rows; r++) expect("int8_matvec", y[r], vth[0] * ref(l, r, cf.data(), true));
            }
            std::fill(y.begin(), y.end(), -1.f);
            launch(gx, gy, 256, [&] { spike_matmul(l.int8.data(), l.scales.data(), l.start.data(), l.col.data(),
                    l.residual.data(), counts.data(), vth.data(), y.data(), rows, cols, tokens); });
            for (int t = 0; t < tokens; t++)
                for (int r = 0; r < rows; r++) expect("spike_matmul", y[t * rows + r], vth[t] * ref(l, r, cf.data() + t * cols, true));
            std::fill(y.begin(), y.end(), -1.f);
            launch(gx, gy, 256, [&] { int8_float_matmul(l.int8.data(), l.scales.data(), l.start.data(), l.col.data(),
                    l.residual.data(), x.data(), y.data(), rows, cols, tokens); });
            for (int t = 0; t < tokens; t++)
                for (int r = 0; r < rows; r++) expect("int8_float_matmul", y[t * rows + r], ref(l, r, x.data() + t * cols, false));
            std::printf("cols %d tokens %d checked\n", cols, tokens);
        }
    }
    std::printf(failures ? "%d FAILURES\n" : "all agree\n", failures);
    return failures != 0;
}
