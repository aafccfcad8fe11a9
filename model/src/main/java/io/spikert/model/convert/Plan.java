package io.spikert.model.convert;

import java.util.List;
import java.util.Map;

/** What a conversion writes: tensors, file metadata, and notes for the user. */
record Plan(List<OutputTensor> tensors, Map<String, String> metadata, List<String> notes) {
}
