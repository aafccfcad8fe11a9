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
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Generates for a list of rows in waves of {@link GenerationSettings#batchSize()}: each row of a wave prefills its
 * prompt in its own session, then the wave's rows decode together, one {@link BatchDecoder} step (one pass over the
 * weights) per token for all rows still running, until each ends as {@link io.spikert.model.generate.Generator} would
 * end it (a stop token, a stop string, the token limit, the context limit). Each row has its own {@link Sampler}
 * seeded by the settings' seed, so the same rows in the same waves give the same ids every time (a Spark task's retry
 * recomputes its rows exactly). A batch step's logits equal a lone session's to float rounding, so a row's ids depend
 * on which rows share its wave only through rounding (with a batch of 1 they are Generator's, bit for bit).
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

    /** The results of {@code rows}, in their order, computed wave after wave. */
    public List<GenerationResult> run(List<RowTokens> rows) {
        List<GenerationResult> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i += settings.batchSize()) {
            out.addAll(wave(rows.subList(i, Math.min(rows.size(), i + settings.batchSize()))));
        }
        return out;
    }

    /** One wave (at most batchSize rows), in their order. */
    public List<GenerationResult> wave(List<RowTokens> rows) {
        if (rows.size() > settings.batchSize()) {
            throw new IllegalArgumentException(rows.size() + " rows in a wave of at most " + settings.batchSize());
        }
        GenerationResult[] results = new GenerationResult[rows.size()];
        List<Row> running = new ArrayList<>();
        try {
            for (int i = 0; i < rows.size(); i++) {
                RowTokens in = rows.get(i);
                if (!in.ok()) {
                    results[i] = GenerationResult.failed(null, in.error());
                    continue;
                }
                Row r = new Row(i, in.ids());
                try {
                    r.start();
                } catch (ContextLimitException | NumericalFaultException e) {
                    r.close();
                    results[i] = GenerationResult.failed(in.ids().length, e.getMessage());
                    continue;
                }
                if (r.done) {
                    results[i] = r.finish();
                } else {
                    running.add(r);
                }
            }
            int vocab = model.config().vocabSize();
            while (!running.isEmpty()) {
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
                        results[r.index] = GenerationResult.failed(r.prompt.length, e.getMessage());
                    }
                    running.clear();
                    break;
                }
                List<Row> still = new ArrayList<>(running.size());
                for (int j = 0; j < running.size(); j++) {
                    Row r = running.get(j);
                    System.arraycopy(logits, j * vocab, scratch, 0, vocab);
                    r.next(scratch);
                    if (r.done) {
                        results[r.index] = r.finish();
                    } else {
                        still.add(r);
                    }
                }
                running = still;
            }
        } finally {
            for (Row r : running) {
                r.close();
            }
        }
        return Arrays.asList(results);
    }

    @Override
    public void close() {
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
