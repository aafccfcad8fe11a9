package io.spikert.bench.harness;

import io.spikert.model.Session;
import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Decode steps alternated with plain vectorised reads of the very weights a step reads (A, B, A, B).
 * This host's DRAM bandwidth flips between two states every few tens of seconds, so a decode rate
 * and a bandwidth figure taken minutes apart can disagree by 40%; paired, both see the same state.
 * The ratio sum(read seconds) / sum(decode seconds) is decode as a share of its bandwidth bound.
 */
final class PairedDecode {
    record Result(double[] decodeSeconds, double[] readSeconds, long bytesPerRead) {
        double boundShare() {
            return sum(readSeconds) / sum(decodeSeconds);
        }

        double readBytesPerSecond() {
            return bytesPerRead * readSeconds.length / sum(readSeconds);
        }

        double decodeTokensPerSecond() {
            return decodeSeconds.length / sum(decodeSeconds);
        }

        private static double sum(double[] a) {
            double s = 0;
            for (double v : a) {
                s += v;
            }
            return s;
        }
    }

    private PairedDecode() {}

    /** The matrices one decode step streams: every 2-D weight but the embedding table (unless it is the tied lm_head). */
    static List<MemorySegment> tokenWeights(Checkpoint checkpoint) throws CheckpointException {
        boolean tied = !checkpoint.contains(DecodeTraffic.LM_HEAD);
        List<MemorySegment> segments = new ArrayList<>();
        for (String name : checkpoint.names()) {
            Tensor t = checkpoint.tensor(name);
            if (t.rank() == 2 && (tied || !name.equals(DecodeTraffic.EMBEDDINGS))) {
                segments.add(t.data());
            }
        }
        return segments;
    }

    /**
     * The first {@code bytes} bytes of {@code segments}, in order (the last one cut): a read of exactly as many
     * bytes as a step streamed, where the step reads fewer bytes than the segments hold (W8ASpike's products
     * skip silent channels); all of them when they hold fewer.
     */
    static List<MemorySegment> firstBytes(List<MemorySegment> segments, long bytes) {
        List<MemorySegment> out = new ArrayList<>();
        long left = bytes;
        for (MemorySegment s : segments) {
            if (left <= 0) {
                break;
            }
            long take = Math.min(left, s.byteSize());
            out.add(s.asSlice(0, take));
            left -= take;
        }
        return out;
    }

    static Result run(Session session, int firstToken, int steps, List<MemorySegment> weights, ComputePool pool) {
        var pass = BandwidthProbe.Pass.over(weights);
        var checksum = new LongAdder();
        pass.run(pool, checksum); // fault in and warm up before timing
        double[] decode = new double[steps];
        double[] read = new double[steps];
        int next = firstToken;
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            float[] logits = session.decode(next);
            decode[i] = (System.nanoTime() - t0) / 1e9;
            next = EndToEndBench.argmax(logits, session.vocabSize());
            read[i] = pass.run(pool, checksum);
        }
        return new Result(decode, read, pass.bytes());
    }
}
