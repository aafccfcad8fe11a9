package io.spikert.model.spikes;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A spiked projection's tensor prefix, {@code model.layers.L.attn.q_proj}, split into its layer and
 * its short name; sorts by layer, then in the order the layer computes its projections.
 */
public record ProjectionName(String full, int layer, String projection) implements Comparable<ProjectionName> {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
    private static final List<String> ORDER = List.of(
            "attn.q_proj", "attn.k_proj", "attn.v_proj", "attn.gk_proj", "attn.o_proj", "mlp.gate_proj", "mlp.up_proj");

    /** Parses a prefix; a name outside {@code model.layers.N.} gets layer -1 and keeps its whole name. */
    public static ProjectionName parse(String full) {
        Matcher m = LAYER.matcher(full);
        if (m.matches()) {
            return new ProjectionName(full, Integer.parseInt(m.group(1)), m.group(2));
        }
        return new ProjectionName(full, -1, full);
    }

    @Override
    public int compareTo(ProjectionName o) {
        if (layer != o.layer) {
            return Integer.compare(layer, o.layer);
        }
        int a = rank(projection);
        int b = rank(o.projection);
        return a != b ? Integer.compare(a, b) : projection.compareTo(o.projection);
    }

    private static int rank(String projection) {
        int i = ORDER.indexOf(projection);
        return i < 0 ? ORDER.size() : i;
    }
}
