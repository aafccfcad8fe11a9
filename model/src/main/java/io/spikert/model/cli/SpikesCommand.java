package io.spikert.model.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.kernels.spike.SpikeCoding;
import io.spikert.model.LoadOptions;
import io.spikert.model.ModelVariant;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;
import io.spikert.model.layers.SpikeObserver;
import io.spikert.model.spikes.EnergyEstimate;
import io.spikert.model.spikes.EnergyModel;
import io.spikert.model.spikes.ProjectionStats;
import io.spikert.model.spikes.RasterPicture;
import io.spikert.model.spikes.SpikeRaster;
import io.spikert.model.spikes.SpikeRecorder;
import io.spikert.model.spikes.SpikeStatistics;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.backend.CpuBackend;

import io.spikert.model.util.OutputTarget;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code spikert spikes}: runs a prefill of a W8ASpike model with a statistics collector on the real
 * spike counts, and reports per layer and projection the firing statistics and the energy estimate
 * of report section 5.5; optionally draws a time-by-neuron raster (report Figure 10).
 */
@Command(name = "spikes", sortOptions = false, description = {
        "Runs a prefill of a W8ASpike model and reports, per layer and projection input, from the runtime's spike counts:"
                + " firing rate (spikes per channel x time step, T per token as the reference picks it), share of silent"
                + " channels, mean spikes per channel under the coding (bitwise = bidirectional), mean and max |s|, share"
                + " of |s| in [0,7] and above 16, sparsity with T fixed at 3 steps; totals; and the energy estimate of"
                + " report section 5.5 (FP16 MAC 1.5 pJ, INT8 MAC 0.23 pJ, INT8 add 0.03 pJ per spike per output feature).",
        "--json prints JSON instead of tables (--json FILE writes it to FILE). --raster draws the spike trains of"
                + " --raster-layers (default 0) for the first --raster-tokens tokens (default 8), PNG or SVG by"
                + " extension. An existing picture or JSON file is replaced only with --force; a device or FIFO is"
                + " written in place."})
final class SpikesCommand extends CliCommand {
    @Mixin
    InputOptions input = new InputOptions();

    @Option(names = "--coding", paramLabel = "bitwise|twos|ternary|binary", defaultValue = "bitwise",
            description = "How a count becomes spikes (default bitwise).")
    String coding;

    @Option(names = "--k", paramLabel = "K", description = "Spike threshold factor: vth = mean|x|/K (default 3).")
    Float k;

    @Option(names = "--json", arity = "0..1", fallbackValue = OutputTarget.STDOUT, paramLabel = "FILE",
            description = "Prints JSON instead of tables; to FILE when one is given (- is standard output).")
    String jsonPath;

    @Option(names = "--raster", paramLabel = "OUT.png|OUT.svg", description = "Draws the spike trains to this picture.")
    String rasterPath;

    @Option(names = "--force", description = "Replace an existing --raster picture or --json file.")
    boolean force;

    @Option(names = "--check-weights",
            description = "Scans every floating-point weight for NaN and infinities before running, naming the first.")
    boolean checkWeights;

    @Option(names = "--raster-layers", paramLabel = "0,1", description = "Layers to draw (default 0).")
    String rasterLayersArg;

    @Option(names = "--raster-tokens", paramLabel = "N", description = "Tokens to draw (default 8).")
    Integer rasterTokensArg;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: every processor).")
    Integer threadsArg;

    @Override
    int execute() throws Exception {
        SpikeCoding coding = coding(this.coding);
        float k = finiteNonNegative("--k", this.k, LoadOptions.DEFAULT_SPIKE_K);
        if (!(k > 0)) {
            throw new UsageException("--k must be a positive number, got " + k);
        }
        String rasterKind = rasterPath != null ? rasterKind(rasterPath) : null;
        OutputTarget raster = rasterPath != null ? Outputs.check("--raster", rasterPath, force, input.model) : null;
        OutputTarget json = jsonPath != null ? Outputs.check("--json", jsonPath, force, input.model) : null;
        Outputs.requireDistinct(raster, json);
        Set<Integer> rasterLayers = rasterLayersArg != null ? layers(rasterLayersArg) : Set.of(0);
        int rasterTokens = atLeast("--raster-tokens", rasterTokensArg, 8, 1);
        if (raster == null && (rasterLayersArg != null || rasterTokensArg != null)) {
            throw new UsageException("--raster-layers and --raster-tokens need --raster OUT.png");
        }
        PromptSource.resolve(input, in, inIsTerminal, false);
        var inputs = ModelInputs.check(input);
        Path dir = inputs.dir;
        int layerCount = inputs.config.numLayers();
        for (int l : rasterLayers) {
            if (l >= layerCount) {
                throw new UsageException("--raster-layers: layer " + l + " does not exist; the model has " + layerCount
                        + " layers (0 to " + (layerCount - 1) + ")");
            }
        }
        requireSpiking(dir);
        int threads = threads(threadsArg);

        var stats = new SpikeStatistics(coding);
        var recorder = raster == null ? null : new SpikeRecorder(rasterLayers, rasterTokens);
        SpikeObserver observer = recorder == null ? stats : (name, counts, off, n, vth, kernel) -> {
            stats.onSpikes(name, counts, off, n, vth, kernel);
            recorder.onSpikes(name, counts, off, n, vth, kernel);
        };
        Tuning tuning = tuning();
        try (var backend = new CpuBackend(threads, tuning);
             var model = SpikingBrainModel.load(dir, backend, new LoadOptions(k).withSpikeObserver(observer)
                     .withCheckWeights(checkWeights).withInt8BlockRows(tuning.maxBlockRows()))) {
            if (model.variant() != ModelVariant.W8ASPIKE) {
                throw new UsageException("--model " + dir + " is a " + model.variant()
                        + " model without spiking; spikert spikes needs a W8ASpike checkpoint (tensors ending in weight_quantizer.scales)");
            }
            int[] ids = inputs.ids;
            model.newSession().prefill(ids, (i, logits, off) -> { });

            List<ProjectionStats> rows = stats.projections();
            ProjectionStats total = stats.total();
            List<EnergyEstimate> energy = new ArrayList<>();
            for (ProjectionStats r : rows) {
                long outFeatures = model.checkpoint().tensor(r.name() + ".weight").dim(0);
                energy.add(EnergyModel.REPORT.estimate(r, outFeatures));
            }
            EnergyEstimate energyTotal = EnergyEstimate.total(energy, ids.length);
            if (json != null) {
                String text = json(dir, k, coding, ids.length, rows, total, energy, energyTotal);
                if (json.isStdout()) {
                    out.println(text);
                } else {
                    json.write(out, os -> os.write((text + System.lineSeparator()).getBytes(StandardCharsets.UTF_8)));
                    err.println("json: " + json.describe());
                }
            } else {
                printTables(out, dir, k, coding, ids.length, rows, total, energy, energyTotal);
            }
            if (raster != null) {
                var picture = SpikeRaster.of(coding, recorder.recorded());
                if (picture.panels().isEmpty()) {
                    throw new UsageException("--raster-layers " + rasterLayers + ": no such layer has spiked inputs (the model has "
                            + model.config().numLayers() + " layers)");
                }
                raster.write(out, os -> {
                    if (rasterKind.equals("svg")) {
                        os.write(RasterPicture.svg(picture).getBytes(StandardCharsets.UTF_8));
                    } else if (!ImageIO.write(RasterPicture.image(picture), "png", os)) {
                        throw new IOException("no PNG writer in this JDK for --raster " + raster.describe());
                    }
                });
                err.println("raster: " + raster.describe() + " (" + picture.panels().size() + " panels, layers " + rasterLayers
                        + ", " + Math.min(rasterTokens, ids.length) + " tokens, " + coding.name().toLowerCase(Locale.ROOT) + ")");
            }
        }
        return 0;
    }

    /**
     * Refuses a checkpoint without spiking from its tensor names alone (the headers, not the weights), before a load
     * that takes minutes for a 7B model.
     */
    private static void requireSpiking(Path dir) throws IOException {
        try (var ckpt = Checkpoints.open(dir)) {
            if (ckpt.names().stream().noneMatch(n -> n.endsWith(W8ASpikeFormat.SCALES))) {
                throw new UsageException("--model " + dir + " is a base model without spiking; spikert spikes needs a"
                        + " W8ASpike checkpoint (tensors ending in weight_quantizer.scales)");
            }
        }
    }

    static SpikeCoding coding(String s) {
        return switch (s) {
            case "bitwise" -> SpikeCoding.BITWISE_BIDIRECTIONAL;
            case "twos" -> SpikeCoding.BITWISE_TWOS_COMPLEMENT;
            case "ternary" -> SpikeCoding.TERNARY;
            case "binary" -> SpikeCoding.BINARY;
            default -> throw new UsageException("--coding must be bitwise, twos, ternary or binary, got '" + s + "'");
        };
    }

    private static String rasterKind(String raster) {
        String f = raster.toLowerCase(Locale.ROOT);
        if (f.endsWith(".png")) {
            return "png";
        }
        if (f.endsWith(".svg")) {
            return "svg";
        }
        throw new UsageException("--raster " + raster + ": name the picture .png or .svg");
    }

    private static Set<Integer> layers(String v) {
        Set<Integer> out = new LinkedHashSet<>();
        for (String part : v.split(",")) {
            try {
                int l = Integer.parseInt(part.trim());
                if (l < 0) {
                    throw new UsageException("--raster-layers: layer indices are >= 0, got " + l);
                }
                out.add(l);
            } catch (NumberFormatException e) {
                throw new UsageException("--raster-layers must be comma-separated layer indices, got '" + part.trim() + "'");
            }
        }
        return out;
    }

    private static void printTables(PrintStream out, Path dir, float k, SpikeCoding coding, int tokens, List<ProjectionStats> rows,
                                    ProjectionStats total, List<EnergyEstimate> energy, EnergyEstimate energyTotal) {
        out.printf(Locale.ROOT, "spikes of %s: %d tokens, k = %s, coding %s (q/k/v/gk share one input, gate/up another: their counts are equal)%n",
                dir, tokens, k, coding.name().toLowerCase(Locale.ROOT));
        String head = String.format(Locale.ROOT, "%-5s %-14s %6s %7s %8s %8s %8s %7s %8s %8s %8s",
                "layer", "projection", "in", "fire%", "silent%", "spk/ch", "mean|s|", "max|s|", "|s|<=7%", "|s|>16%", "sparse3%");
        out.println(head);
        for (ProjectionStats r : rows) {
            out.println(statsRow(String.valueOf(r.layer()), r.projection(), r));
        }
        out.println(statsRow("all", "total", total));
        out.println();
        out.printf(Locale.ROOT, "energy per token, report section 5.5 (FP16 MAC %.2f pJ, INT8 MAC %.2f pJ, INT8 add %.2f pJ per spike x out):%n",
                EnergyModel.REPORT.fp16MacPj(), EnergyModel.REPORT.int8MacPj(), EnergyModel.REPORT.int8AddPj());
        out.println(String.format(Locale.ROOT, "%-5s %-14s %6s %6s %12s %12s %12s %9s %9s %9s",
                "layer", "projection", "in", "out", "fp16 pJ", "int8 pJ", "spike pJ", "pJ/MAC", "vs fp16", "vs int8"));
        for (int i = 0; i < rows.size(); i++) {
            out.println(energyRow(String.valueOf(rows.get(i).layer()), rows.get(i).projection(), energy.get(i)));
        }
        out.println(energyRow("all", "total", energyTotal));
        out.println("(spiked projections only: down_proj runs its raw weight on an unspiked input and is not counted;"
                + " on synthetic weights these figures differ from the report's 0.034 pJ/MAC, 97.7% and 85.2%)");
    }

    private static String statsRow(String layer, String projection, ProjectionStats r) {
        return String.format(Locale.ROOT, "%-5s %-14s %6s %7.2f %8.2f %8.3f %8.3f %7d %8.2f %8.2f %8.2f",
                layer, projection, r.channels() == 0 ? "-" : String.valueOf(r.channels()), 100 * r.firingRate(), 100 * r.silentShare(),
                r.meanSpikesPerChannel(), r.meanAbsCount(), r.maxAbs(), 100 * r.shareUpTo7(), 100 * r.shareAbove16(), 100 * r.sparsity3());
    }

    private static String energyRow(String layer, String projection, EnergyEstimate e) {
        return String.format(Locale.ROOT, "%-5s %-14s %6s %6s %12.4g %12.4g %12.4g %9.4f %8.2f%% %8.2f%%",
                layer, projection, e.in() == 0 ? "-" : String.valueOf(e.in()), e.out() == 0 ? "-" : String.valueOf(e.out()),
                e.fp16PjPerToken(), e.int8PjPerToken(), e.spikePjPerToken(), e.spikePjPerMac(), 100 * e.savedVsFp16(), 100 * e.savedVsInt8());
    }

    private static String json(Path dir, float k, SpikeCoding coding, int tokens, List<ProjectionStats> rows, ProjectionStats total,
                               List<EnergyEstimate> energy, EnergyEstimate energyTotal) throws Exception {
        var mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("model", dir.toString());
        root.put("tokens", tokens);
        root.put("k", k);
        root.put("coding", coding.name().toLowerCase(Locale.ROOT));
        ObjectNode pj = root.putObject("energy_model_pj");
        pj.put("fp16_mac", EnergyModel.REPORT.fp16MacPj());
        pj.put("int8_mac", EnergyModel.REPORT.int8MacPj());
        pj.put("int8_add", EnergyModel.REPORT.int8AddPj());
        ArrayNode arr = root.putArray("projections");
        for (int i = 0; i < rows.size(); i++) {
            ObjectNode o = statsJson(arr.addObject(), rows.get(i));
            energyJson(o.putObject("energy"), energy.get(i));
        }
        ObjectNode t = statsJson(root.putObject("total"), total);
        energyJson(t.putObject("energy"), energyTotal);
        return mapper.writeValueAsString(root);
    }

    private static ObjectNode statsJson(ObjectNode o, ProjectionStats r) {
        o.put("name", r.name());
        o.put("layer", r.layer());
        o.put("projection", r.projection());
        o.put("in", r.channels());
        o.put("tokens", r.tokens());
        o.put("firing_rate", r.firingRate());
        o.put("silent_share", r.silentShare());
        o.put("mean_spikes_per_channel", r.meanSpikesPerChannel());
        o.put("mean_abs_count", r.meanAbsCount());
        o.put("max_abs_count", r.maxAbs());
        o.put("share_abs_0_to_7", r.shareUpTo7());
        o.put("share_abs_above_16", r.shareAbove16());
        o.put("sparsity_3_steps", r.sparsity3());
        o.put("negative_share", r.negativeShare());
        o.put("spikes", r.spikes());
        ArrayNode h = o.putArray("abs_count_histogram_0_to_16_then_above");
        for (long c : r.histogram()) {
            h.add(c);
        }
        return o;
    }

    private static void energyJson(ObjectNode o, EnergyEstimate e) {
        o.put("out", e.out());
        o.put("macs_per_token", e.tokens() == 0 ? 0 : e.macs() / e.tokens());
        o.put("adds_per_token", e.tokens() == 0 ? 0 : e.adds() / e.tokens());
        o.put("fp16_pj_per_token", e.fp16PjPerToken());
        o.put("int8_pj_per_token", e.int8PjPerToken());
        o.put("spike_pj_per_token", e.spikePjPerToken());
        o.put("spike_pj_per_mac", e.spikePjPerMac());
        o.put("saved_vs_fp16", e.savedVsFp16());
        o.put("saved_vs_int8", e.savedVsInt8());
    }
}
