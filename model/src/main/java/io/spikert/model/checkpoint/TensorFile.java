package io.spikert.model.checkpoint;

import io.spikert.runtime.Tensor;

import java.nio.file.Path;
import java.util.SequencedMap;

/** One checkpoint shard whose tensors were validated and mapped when it was opened. */
interface TensorFile {
    Path path();

    /** Tensors in file order; views into memory owned by the arena the file was opened with. */
    SequencedMap<String, Tensor> tensors();
}
