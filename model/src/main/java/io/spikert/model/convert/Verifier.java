package io.spikert.model.convert;

import io.spikert.model.checkpoint.AlignedSafetensors;
import io.spikert.model.checkpoint.SafetensorsFile;
import io.spikert.runtime.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Re-reads a written file through the project's own safetensors reader and checks it against the plan:
 * the same tensor names, dtypes and shapes, every real (non-padding) tensor 64-byte aligned in the mapping, the metadata, and
 * every byte equal to what the producer derives again from the source.
 */
final class Verifier {
    private Verifier() {
    }

    static void verify(Path file, List<AlignedSafetensorsWriter.Placed> layout, Map<String, String> metadata,
                       LongConsumer progress) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = SafetensorsFile.open(file, arena);
            if (!f.metadata().equals(metadata)) {
                throw new ConvertException(file + ": verification failed: __metadata__ reads back as " + f.metadata()
                        + ", wrote " + metadata);
            }
            if (f.tensors().size() != layout.size()) {
                throw new ConvertException(file + ": verification failed: " + f.tensors().size() + " tensors read back, "
                        + layout.size() + " written");
            }
            long[] done = {0};
            for (AlignedSafetensorsWriter.Placed p : layout) {
                OutputTensor want = p.tensor();
                Tensor got = f.tensors().get(want.name());
                if (got == null) {
                    throw new ConvertException(file + ": verification failed: tensor " + want.name() + " is missing");
                }
                if (got.dtype() != want.dtype() || !Arrays.equals(got.shape(), want.shape())) {
                    throw new ConvertException(file + ": verification failed: tensor " + want.name() + " reads back as "
                            + got.dtype() + " " + Arrays.toString(got.shape()) + ", wrote " + want);
                }
                if (!p.padding() && got.data().address() % AlignedSafetensors.ALIGNMENT != 0) {
                    throw new ConvertException(file + ": verification failed: tensor " + want.name()
                            + " is not " + AlignedSafetensors.ALIGNMENT + "-byte aligned in the mapping");
                }
                Comparing cmp = new Comparing(file, want.name(), got.data(), done, progress);
                want.bytes().writeTo(cmp);
                if (cmp.pos != got.byteSize()) {
                    throw new ConvertException(file + ": verification failed: tensor " + want.name() + " has "
                            + got.byteSize() + " bytes, the source gives " + cmp.pos);
                }
            }
        }
    }

    /** A sink that checks each incoming byte against the file's copy instead of writing it. */
    private static final class Comparing implements WritableByteChannel {
        private final Path file;
        private final String name;
        private final MemorySegment data;
        private final long[] done;
        private final LongConsumer progress;
        long pos;

        Comparing(Path file, String name, MemorySegment data, long[] done, LongConsumer progress) {
            this.file = file;
            this.name = name;
            this.data = data;
            this.done = done;
            this.progress = progress;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            if (pos + n > data.byteSize()) {
                throw new ConvertException(file + ": verification failed: tensor " + name + " has " + data.byteSize()
                        + " bytes, the source gives more");
            }
            MemorySegment expected = MemorySegment.ofBuffer(src);
            long mismatch = MemorySegment.mismatch(expected, 0, n, data, pos, pos + n);
            if (mismatch >= 0) {
                long at = pos + mismatch;
                throw new ConvertException(file + ": verification failed: tensor " + name + " differs from the source at byte "
                        + at + " (read back " + data.get(ValueLayout.JAVA_BYTE, at) + ", expected "
                        + expected.get(ValueLayout.JAVA_BYTE, mismatch) + ")");
            }
            src.position(src.limit());
            pos += n;
            done[0] += n;
            progress.accept(done[0]);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
