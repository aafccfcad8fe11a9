package io.spikert.model.cli;

import io.spikert.model.Architecture;
import io.spikert.model.ModelConfig;
import io.spikert.model.convert.ConvertMode;
import io.spikert.model.convert.Converter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code spikert convert}: rewrites a checkpoint as W8ASpike, packed integers, or 64-byte aligned safetensors, or
 * initialises SpikingBrain from Qwen2.
 */
@Command(name = "convert", sortOptions = false, description = {
        "Writes a converted checkpoint (one 64-byte aligned model.safetensors plus config and tokenizer files) into DST,"
                + " through a temporary DST.partial-XXXX folder renamed only once verified. A partial folder left by a"
                + " killed convert is removed by the next run (or named, when SpikeRT cannot tell it wrote it).",
        "  --to w8       base checkpoint -> W8ASpike layout with absmax/127 group-128 scales (not the calibrated ones)",
        "  --to packed   W8ASpike fp32 checkpoint -> INT8 codes + exact outlier corrections + scales",
        "  --to aligned  any supported checkpoint -> the same tensors, each starting at a 64-byte offset (default)",
        "  --to spikingbrain  Qwen2 checkpoint -> SpikingBrain (gla_swa) initialisation by the report's weight remapping:"
                + " projections, embeddings and norms reused, GLA gates newly initialised. Not a trained model: it is where"
                + " continued training starts."})
public final class ConvertCommand extends CliCommand {
    @Option(names = "--model", required = true, paramLabel = "SRC", description = "The checkpoint folder to convert.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DST", description = "The new folder to write.")
    Path outDir;

    @Option(names = "--to", paramLabel = "w8|packed|aligned|spikingbrain", defaultValue = "aligned",
            description = "The output form (default aligned).")
    String to;

    @Option(names = "--from", paramLabel = "qwen2|spikingbrain",
            description = "The source's architecture, checked against its config.json before anything is written (default: any).")
    String from;

    @Option(names = "--window", paramLabel = "W", defaultValue = "4096",
            description = "--to spikingbrain: the sliding window of its SWA layers (default 4096, as SpikingBrain-7B).")
    int window;

    @Option(names = "--swa-layers", paramLabel = "odd|all|none|1,3,5", defaultValue = "odd",
            description = "--to spikingbrain: which layers become sliding-window attention; the others become gated linear"
                    + " attention (default odd, as SpikingBrain-7B).")
    String swaLayers;

    @Option(names = "--force", description = "Replace an existing DST, only if it is a folder spikert convert wrote (it"
            + " carries a spikert-convert.json marker listing its files, and holds nothing else) or is empty.")
    boolean force;

    @Override
    int execute() throws Exception {
        ConvertMode mode;
        try {
            mode = ConvertMode.parse(to);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--to: " + e.getMessage());
        }
        if (from != null) {
            Architecture expected = switch (from.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "qwen2" -> Architecture.QWEN2;
                case "spikingbrain", "gla_swa" -> Architecture.SPIKINGBRAIN;
                default -> throw new UsageException("--from must be qwen2 or spikingbrain, got '" + from + "'");
            };
            Architecture actual = ModelConfig.load(ModelInputs.modelDir(model)).architecture();
            if (actual != expected) {
                throw new UsageException("--from " + from + ", but " + model.resolve("config.json") + " describes a "
                        + actual.displayName() + " model");
            }
        }
        if (mode != ConvertMode.SPIKINGBRAIN && (window != Converter.Options.DEFAULT_WINDOW || !"odd".equals(swaLayers))) {
            throw new UsageException("--window and --swa-layers apply to --to spikingbrain only");
        }
        new Converter(out, err).convert(new Converter.Options(model, outDir, mode, force, window, swaLayers));
        return 0;
    }
}
