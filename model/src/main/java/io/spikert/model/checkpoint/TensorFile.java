package io.spikert.model.checkpoint;

import io.spikert.runtime.Tensor;

import java.nio.file.Path;
import java.util.SequencedMap;
import java.util.Set;

/** One checkpoint shard whose tensors were validated and mapped when it was opened. */
interface TensorFile {
    Path path();

    /** Tensors in file order; views into memory owned by the arena the file was opened with. */
    SequencedMap<String, Tensor> tensors();

    default Set<String> names() {
        return tensors().keySet();
    }

    default Tensor tensor(String name) throws CheckpointException {
        Tensor t = tensors().get(name);
        if (t == null) {
            throw CheckpointException.inFile(path(), "no tensor named " + name);
        }
        return t;
    }
}
