package io.spikert.model.cli;

import io.spikert.model.convert.ConvertMode;
import io.spikert.model.convert.Converter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code spikert convert}: rewrites a checkpoint as W8ASpike, packed integers, or 64-byte aligned safetensors. */
@Command(name = "convert", sortOptions = false, description = {
        "Writes a converted checkpoint (one 64-byte aligned model.safetensors plus config and tokenizer files) into DST,"
                + " through a temporary DST.partial-XXXX folder renamed only once verified. A partial folder left by a"
                + " killed convert is removed by the next run (or named, when SpikeRT cannot tell it wrote it).",
        "  --to w8       base checkpoint -> W8ASpike layout with absmax/127 group-128 scales (not the calibrated ones)",
        "  --to packed   W8ASpike fp32 checkpoint -> INT8 codes + exact outlier corrections + scales",
        "  --to aligned  any supported checkpoint -> the same tensors, each starting at a 64-byte offset (default)"})
public final class ConvertCommand extends CliCommand {
    @Option(names = "--model", required = true, paramLabel = "SRC", description = "The checkpoint folder to convert.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DST", description = "The new folder to write.")
    Path outDir;

    @Option(names = "--to", paramLabel = "w8|packed|aligned", defaultValue = "aligned", description = "The output form (default aligned).")
    String to;

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
        new Converter(out, err).convert(new Converter.Options(model, outDir, mode, force));
        return 0;
    }
}
