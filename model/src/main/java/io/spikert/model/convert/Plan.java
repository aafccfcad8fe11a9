package io.spikert.model.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * What a conversion writes: tensors, file metadata, notes for the user, and the output's config.json when it is
 * not the source's (null: copied as it is).
 */
record Plan(List<OutputTensor> tensors, Map<String, String> metadata, List<String> notes, ObjectNode config) {
    Plan(List<OutputTensor> tensors, Map<String, String> metadata, List<String> notes) {
        this(tensors, metadata, notes, null);
    }
}
