package io.spikert.bench.gpu;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.KernelArgs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An estimate of the weight products of a prefill: each distinct matrix shape of the model is timed
 * once as a {@code tokens}-row product (SpikeRT's matmul_bf16 and cuBLAS GemmEx) and the time is
 * multiplied by how many matrices have that shape; lm_head is applied to the last token only, as a
 * generating prefill does. NOT a full prefill: GLA, attention, norms and the rest are left out.
 */
final class PrefillEstimate {
    private PrefillEstimate() {}

    static final String LABEL = "prefill weight-product estimate (NOT the full model prefill)";

    private record Shape(int rows, int cols) {}

    static void run(GpuDriver driver, DeviceWeights weights, Products products, DeviceTimer timer, int tokens, int reps,
                    GpuBenchReport report) {
        List<WeightMatrix> ms = weights.matrices();
        WeightMatrix head = ms.getLast();
        if (!head.name().equals("lm_head.weight")) {
            throw new IllegalStateException("expected lm_head.weight as the last matrix, found " + head.name());
        }
        // First matrix of each shape (its buffer is reused) and how many matrices share it.
        Map<Shape, Integer> firstOf = new LinkedHashMap<>();
        Map<Shape, Integer> count = new LinkedHashMap<>();
        for (int i = 0; i < ms.size() - 1; i++) {
            Shape s = new Shape(ms.get(i).rows(), ms.get(i).cols());
            firstOf.putIfAbsent(s, i);
            count.merge(s, 1, Integer::sum);
        }
        int maxRows = count.keySet().stream().mapToInt(Shape::rows).max().orElseThrow();
        int maxCols = count.keySet().stream().mapToInt(Shape::cols).max().orElseThrow();

        ObjectNode j = report.section("prefill");
        j.put("label", LABEL);
        j.put("tokens", tokens);
        report.line("[prefill] %s, %d tokens, %d distinct shapes", LABEL, tokens, count.size());
        try (DeviceMemory mem = new DeviceMemory(driver)) {
            long x = mem.allocate(4L * tokens * maxCols, "the prefill activations (F32)");
            long xBf16 = mem.allocate(2L * tokens * maxCols, "the prefill activations (BF16)");
            long y = mem.allocate(4L * tokens * maxRows, "the prefill outputs");
            mem.fillF32(x, (long) tokens * maxCols);
            mem.fillBf16(xBf16, (long) tokens * maxCols);

            double flops = 0;
            double oursMs = 0;
            double blasMs = 0;
            var shapes = j.putArray("shapes");
            for (Map.Entry<Shape, Integer> e : count.entrySet()) {
                Shape s = e.getKey();
                int n = e.getValue();
                long w = weights.pointer(firstOf.get(s));
                KernelArgs args = products.matmulArgs(w, x, tokens, y, s.rows(), s.cols());
                Timing ours = timer.time(1, Math.max(2, reps / 5), () -> products.matmul(args, s.rows(), tokens));
                double f = 2.0 * tokens * s.rows() * s.cols();
                flops += n * f;
                oursMs += n * ours.medianMs();
                ObjectNode o = shapes.addObject();
                o.put("rows", s.rows());
                o.put("cols", s.cols());
                o.put("count", n);
                o.put("oursMs", ours.medianMs());
                String blasText = "";
                if (products.hasBlas()) {
                    Timing b = timer.time(1, reps, () -> products.gemm(w, xBf16, tokens, y, s.rows(), s.cols()));
                    blasMs += n * b.medianMs();
                    o.put("cublasMs", b.medianMs());
                    blasText = String.format(", cuBLAS %.3f ms (%.1f TFLOP/s)", b.medianMs(), f / (b.medianMs() * 1e-3) / 1e12);
                }
                report.line("[prefill] %5d x %5d  x%-3d matmul_bf16 %.3f ms (%.1f TFLOP/s)%s",
                        s.rows(), s.cols(), n, ours.medianMs(), f / (ours.medianMs() * 1e-3) / 1e12, blasText);
            }
            // lm_head on the last token: one matvec, as in decode.
            long xOne = mem.allocate(4L * head.cols(), "the lm_head activation");
            mem.fillF32(xOne, head.cols());
            KernelArgs headArgs = products.matvecArgs(weights.pointer(ms.size() - 1), xOne, y, head.rows(), head.cols());
            Timing headTime = timer.time(1, reps, () -> products.matvec(headArgs, head.rows()));
            flops += 2.0 * head.rows() * head.cols();
            oursMs += headTime.medianMs();
            blasMs += headTime.medianMs(); // the same launch on both paths: the head is a matvec either way
            j.put("lmHeadLastTokenMs", headTime.medianMs());
            j.put("flops", flops);
            j.put("oursMs", oursMs);
            j.put("oursTokensPerSecond", tokens / (oursMs * 1e-3));
            j.put("oursTflops", flops / (oursMs * 1e-3) / 1e12);
            report.line("[prefill] matmul_bf16: %.1f ms for %d tokens = %.0f tokens/s (%.1f TFLOP/s)",
                    oursMs, tokens, tokens / (oursMs * 1e-3), flops / (oursMs * 1e-3) / 1e12);
            if (products.hasBlas()) {
                j.put("cublasMs", blasMs);
                j.put("cublasTokensPerSecond", tokens / (blasMs * 1e-3));
                j.put("cublasTflops", flops / (blasMs * 1e-3) / 1e12);
                report.line("[prefill] cuBLAS:      %.1f ms for %d tokens = %.0f tokens/s (%.1f TFLOP/s)",
                        blasMs, tokens, tokens / (blasMs * 1e-3), flops / (blasMs * 1e-3) / 1e12);
            }
        }
    }
}
