package io.spikert.model.convert;

import io.spikert.model.checkpoint.AlignedSafetensors;
import io.spikert.model.checkpoint.w8.PackedFormat;
import io.spikert.model.checkpoint.w8.W8ASpikeFormat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Any supported checkpoint, tensors copied byte for byte into one 64-byte aligned safetensors file. */
final class AlignedPlan {
    private AlignedPlan() {
    }

    static Plan build(Source s) throws IOException {
        List<OutputTensor> out = new ArrayList<>();
        for (String name : s.checkpoint.names()) {
            if (name.startsWith(AlignedSafetensors.PADDING_PREFIX)) {
                continue; // an earlier aligned output's filler: re-created as needed
            }
            var t = s.tensor(name);
            out.add(new OutputTensor(name, t.dtype(), t.shape(), Streams.copy(t)));
        }
        Map<String, String> meta = new LinkedHashMap<>(s.metadata);
        meta.putIfAbsent("format", "pt");
        meta.put("spikert.alignment", Integer.toString(AlignedSafetensors.ALIGNMENT));
        meta.put("spikert.source_format", s.checkpoint.format());
        meta.put("spikert.quantisation", switch (s.kind) {
            case BASE -> "none (base model, weights as in the source)";
            case W8ASPIKE -> "W8ASpike: *" + W8ASpikeFormat.SCALES + " [out, in/128, 1]; weight used = rint(W/s)*s per group "
                    + "of 128 inputs, not clamped; q/k/v/o/gk_proj/gate/up quantised, down_proj raw; inputs spiked";
            case PACKED -> "packed W8ASpike (" + s.metadata.getOrDefault(PackedFormat.FORMAT_KEY, PackedFormat.FORMAT) + ")";
        });
        return new Plan(out, meta, List.of());
    }
}
