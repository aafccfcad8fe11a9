package io.spikert.spark.rows;

import io.spikert.model.BatchDecoder;
import io.spikert.model.ContextLimitException;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.generate.Generator.StopReason;
import io.spikert.model.generate.Sampler;
import io.spikert.model.generate.StopStrings;
import io.spikert.model.tokenizer.StreamingDecoder;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.NumericalFaultException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Generates for rows with continuous batching ({@link #stream}): up to {@link GenerationSettings#batchSize()} rows
 * decode together, one {@link BatchDecoder} step (one pass over the weights) per token for all rows running, each row
 * having prefilled its prompt in its own session as it joined, until each ends as
 * {@link io.spikert.model.generate.Generator} would end it (a stop token, a stop string, the token limit, the context
 * limit); a row that ends makes room for the next. Each row has its own {@link Sampler} seeded by the settings' seed,
 * and which rows share a step depends only on the rows and their order, so the same rows give the same ids every time
 * (a Spark task's retry recomputes its rows exactly). A batch step's logits equal a lone session's to float rounding,
 * so a row's ids depend on which rows share its steps only through rounding (with a batch of 1 they are Generator's,
 * bit for bit).
 *
 * <p>One per task: not thread-safe. Holds a batch decoder's workspace until closed.
 */
public final class BatchGeneration implements AutoCloseable {
    private final SpikingBrainModel model;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopTokens;
    private final int sampleVocab;
    private final GenerationSettings settings;
    private final BatchDecoder decoder;
    private final float[] scratch;

    /**
     * @param tokenizer   decodes the text (null: ids only, and stop strings are refused)
     * @param sampleVocab ids below it may be generated (Generator's {@code sampleVocab})
     */
    public BatchGeneration(SpikingBrainModel model, Tokenizer tokenizer, Set<Integer> stopTokens, int sampleVocab,
                           GenerationSettings settings) {
        if (tokenizer == null && !settings.stops().isEmpty()) {
            throw new IllegalArgumentException("stop strings need the model's tokenizer files, which its folder lacks");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.stopTokens = Set.copyOf(stopTokens);
        this.sampleVocab = sampleVocab;
        this.settings = settings;
        this.decoder = model.newBatchDecoder(settings.batchSize());
        this.scratch = new float[model.config().vocabSize()];
    }

    /** The results of {@code rows}, in their order ({@link #stream}). */
    public List<GenerationResult> run(List<RowTokens> rows) {
        List<GenerationResult> out = new ArrayList<>(rows.size());
        stream(rows.iterator()).forEachRemaining(out::add);
        return out;
    }

    /**
     * Rows a stream admits beyond the first one not yet returned, per row of the batch: a long row holds back the
     * results of the rows after it (they are returned in input order) and, past this, the admission of new ones.
     */
    public static final int AHEAD_PER_BATCH_ROW = 4;

    /**
     * The results of {@code rows}, in their order, with continuous batching: up to batchSize rows decode together, and
     * when one ends (or fails, or could not start) the next row is prefilled and joins the next step, so a short row
     * does not leave its place idle until the longest of its batch ends. Which rows share a step depends only on the
     * rows and their order, so the same rows give the same ids every time. Rows are read from {@code rows} as they are
     * admitted, at most {@link #AHEAD_PER_BATCH_ROW} x batchSize past the first result not yet returned. One stream at
     * a time: a new one closes the rows the previous one left running.
     */
    public Iterator<GenerationResult> stream(Iterator<RowTokens> rows) {
        if (stream != null) {
            stream.close(); // one stream at a time: a new one ends the previous one's rows
        }
        stream = new Stream(rows);
        return stream;
    }

    /** The current stream, whose running rows close() frees. */
    private Stream stream;

    private final class Stream implements Iterator<GenerationResult> {
        private final Iterator<RowTokens> rows;
        private final Map<Integer, GenerationResult> results = new HashMap<>();
        private List<Row> running = new ArrayList<>();
        private int admitted;
        private int returned;

        Stream(Iterator<RowTokens> rows) {
            this.rows = rows;
        }

        @Override
        public boolean hasNext() {
            while (!results.containsKey(returned)) {
                admit();
                if (results.containsKey(returned)) {
                    break;
                }
                if (running.isEmpty()) {
                    return false; // nothing running and nothing to admit: every row was returned
                }
                step();
            }
            return true;
        }

        @Override
        public GenerationResult next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return results.remove(returned++);
        }

        /** Starts rows until the batch is full, the input ends, or the results held back reach their bound. */
        private void admit() {
            int ahead = AHEAD_PER_BATCH_ROW * settings.batchSize();
            while (running.size() < settings.batchSize() && rows.hasNext() && admitted - returned < ahead) {
                int index = admitted++;
                RowTokens in = rows.next();
                if (!in.ok()) {
                    results.put(index, GenerationResult.failed(null, in.error()));
                    continue;
                }
                Row r = new Row(index, in.ids());
                try {
                    r.start();
                } catch (ContextLimitException | NumericalFaultException e) {
                    r.close();
                    results.put(index, GenerationResult.failed(in.ids().length, e.getMessage()));
                    continue;
                } catch (RuntimeException e) {
                    r.close(); // not a row's error: the task fails, without this row's session left open
                    throw e;
                }
                if (r.done) {
                    results.put(index, r.finish());
                } else {
                    running.add(r);
                }
            }
        }

        /** One decode step of the running rows; the rows that end leave the batch. */
        private void step() {
            int vocab = model.config().vocabSize();
            List<Session> sessions = new ArrayList<>(running.size());
            int[] ids = new int[running.size()];
            for (int j = 0; j < ids.length; j++) {
                sessions.add(running.get(j).session);
                ids[j] = running.get(j).pending;
            }
            float[] logits;
            try {
                logits = decoder.decode(sessions, ids);
            } catch (NumericalFaultException | ContextLimitException e) {
                // the step does not say which row's logits were not finite: every row in it ends with the error
                for (Row r : running) {
                    r.close();
                    results.put(r.index, GenerationResult.failed(r.prompt.length, e.getMessage()));
                }
                running = new ArrayList<>();
                return;
            }
            List<Row> still = new ArrayList<>(running.size());
            for (int j = 0; j < running.size(); j++) {
                Row r = running.get(j);
                System.arraycopy(logits, j * vocab, scratch, 0, vocab);
                r.next(scratch);
                if (r.done) {
                    results.put(r.index, r.finish());
                } else {
                    still.add(r);
                }
            }
            running = still;
            steps++;
        }

        void close() {
            for (Row r : running) {
                r.close();
            }
            running = new ArrayList<>();
        }
    }

    /** Batched decode steps run so far (a measure of how full the batches were). */
    public long steps() {
        return steps;
    }

    private long steps;

    @Override
    public void close() {
        if (stream != null) {
            stream.close();
        }
        decoder.close();
    }

    /** One running row: Generator's loop, unrolled so that its decode steps can join a batch. */
    private final class Row {
        final int index;
        final int[] prompt;
        final Session session;
        final Sampler sampler = new Sampler(settings.sampling());
        final StreamingDecoder text = tokenizer == null ? null : tokenizer.streamingDecoder();
        final StopStrings stops = new StopStrings(settings.stops());
        final StringBuilder shown = new StringBuilder();
        int[] out;
        int n;
        int cap;
        int pending;
        StopReason reason;
        boolean done;

        Row(int index, int[] prompt) {
            this.index = index;
            this.prompt = prompt;
            this.session = model.newSession();
        }

        /** Prefills the prompt and chooses the first token (Generator: begin, prefill, cap, first sample). */
        void start() {
            sampler.begin(prompt);
            float[] logits = session.prefill(prompt);
            int maxTokens = settings.maxNewTokens();
            cap = (int) Math.min(maxTokens, session.contextLimit() - session.position());
            out = new int[cap];
            reason = cap < maxTokens ? StopReason.CONTEXT_LIMIT : StopReason.MAX_TOKENS;
            if (cap == 0) {
                done = true;
                return;
            }
            next(logits);
        }

        /** Samples from {@code logits} (this row's, from index 0) and decides whether the row goes on. */
        void next(float[] logits) {
            int id = sampler.sample(logits, Math.min(session.vocabSize(), sampleVocab));
            out[n++] = id;
            if (text != null && !stopTokens.contains(id)) {
                shown.append(stops.push(text.push(id)));
            }
            if (stopTokens.contains(id)) {
                reason = StopReason.STOP_TOKEN;
                done = true;
            } else if (stops.stopped()) {
                reason = StopReason.STOP_STRING;
                done = true;
            } else if (n == cap) {
                done = true;
            } else {
                pending = id;
            }
        }

        GenerationResult finish() {
            close();
            String completion = null;
            if (text != null) {
                shown.append(stops.push(text.flush()));
                shown.append(stops.flush());
                completion = shown.toString();
            }
            return new GenerationResult(Arrays.copyOf(out, n), completion, reason.name().toLowerCase(Locale.ROOT),
                    prompt.length, null);
        }

        void close() {
            session.close();
        }
    }
}
