package io.spikert.model.cli;

import io.spikert.model.Architecture;
import io.spikert.model.ModelConfig;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.KvPrecision;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** {@code spikert inspect}: what a model folder holds, without running it. */
@Command(name = "inspect", sortOptions = false, description = {
        "Summarises config.json, the checkpoint's files, tensors, dtypes and bytes, and the layer kinds."})
final class InspectCommand extends CliCommand {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The model folder.")
    Path model;

    @Option(names = "--tensors", description = "Lists every tensor with its dtype and shape.")
    boolean tensors;

    @Override
    int execute() throws Exception {
        Path dir = ModelInputs.modelDir(model);
        ModelConfig c = ModelConfig.load(dir);
        out.printf("model folder: %s%n", dir.toAbsolutePath());
        out.printf("architecture: %s%n", c.architecture().displayName());
        out.printf("config: vocab %d, hidden %d, layers %d, heads %d (kv %d, head dim %d), intermediate %d, rope theta %.0f, eps %g%n",
                c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim(),
                c.intermediateSize(), c.ropeTheta(), c.normEps());
        if (c.architecture() == Architecture.QWEN2) {
            out.printf("layers: full attention in all %d; context limit %d tokens (key/value cache %s per token at F32,"
                    + " %s with --kv-cache bf16)%n", c.numLayers(), c.contextLimit(),
                    MemoryReport.human(KvCacheReport.bytesPerToken(c, KvPrecision.F32)),
                    MemoryReport.human(KvCacheReport.bytesPerToken(c, KvPrecision.BF16)));
        } else {
            out.printf("layers: GLA %s; SWA %s (window %d)%n", layers(c, false), layers(c, true), c.slidingWindow());
        }
        try (var ckpt = Checkpoints.open(dir)) {
            var files = new TreeSet<Path>();
            var count = new EnumMap<DType, Long>(DType.class);
            var bytes = new EnumMap<DType, Long>(DType.class);
            long params = 0;
            boolean w8 = false;
            for (String name : ckpt.names()) {
                Tensor t = ckpt.tensor(name);
                files.add(ckpt.fileOf(name).getFileName());
                count.merge(t.dtype(), 1L, Long::sum);
                bytes.merge(t.dtype(), t.byteSize(), Long::sum);
                params += t.elementCount();
                w8 |= name.endsWith(W8ASpikeFormat.SCALES);
                if (tensors) {
                    out.printf("  %-60s %-5s %s%n", name, t.dtype(), Arrays.toString(t.shape()));
                }
            }
            out.printf("checkpoint: %s, %d file(s): %s%n", ckpt.format(), files.size(), files);
            out.printf("tensors: %d, parameters: %,d, bytes: %,d%n", ckpt.names().size(), params, ckpt.totalBytes());
            for (var e : count.entrySet()) {
                out.printf("  %-5s %4d tensors, %,d bytes%n", e.getKey(), e.getValue(), bytes.get(e.getKey()));
            }
            out.printf("variant: %s%n", w8 ? "W8ASpike (spiking activations, group-128 INT8 weights)" : "base");
        }
        out.printf("tokenizer: %s%n", Tokenizer.isPresent(dir) ? "present" : "absent (use --ids)");
        return 0;
    }

    private static String layers(ModelConfig c, boolean swa) {
        return IntStream.range(0, c.numLayers()).filter(l -> c.isSwaLayer(l) == swa)
                .mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    }
}
