package io.spikert.model.cli;

import io.spikert.model.convert.ConvertMode;
import io.spikert.model.convert.Converter;

import java.io.PrintStream;
import java.util.Set;

/** {@code spikert convert}: rewrites a checkpoint as W8ASpike, packed integers, or 64-byte aligned safetensors. */
public final class ConvertCommand implements Command {
    @Override
    public String name() {
        return "convert";
    }

    @Override
    public String usage() {
        return """
                spikert convert --model SRC --out DST [--to w8|packed|aligned] [--force]
                  Writes a converted checkpoint (one 64-byte aligned model.safetensors plus config and tokenizer files)
                  into DST, through a temporary DST.partial-XXXX folder renamed only once verified.
                  --to w8       base checkpoint -> W8ASpike layout with absmax/127 group-128 scales (not the calibrated ones)
                  --to packed   W8ASpike fp32 checkpoint -> INT8 codes + exact outlier corrections + scales
                  --to aligned  any supported checkpoint -> the same tensors, each starting at a 64-byte offset (default)
                  --force       replace an existing DST, only if it is a folder spikert convert wrote (it carries a
                                spikert-convert.json marker listing its files, and holds nothing else) or is empty""";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        var args = new Args(argv, 1, Set.of("model", "out", "to"), Set.of("force"));
        ConvertMode mode;
        try {
            mode = ConvertMode.parse(args.string("to", "aligned"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--to: " + e.getMessage());
        }
        new Converter(out, err).convert(new Converter.Options(args.path("model"), args.path("out"), mode, args.flag("force")));
        return 0;
    }
}
