package io.spikert.spark.rows;

/**
 * One row's generation: the generated ids as {@link io.spikert.model.generate.Generator} returns them (a stop token
 * that ended it included), the text as {@code spikert generate} prints it (stop tokens left out, cut before a stop
 * string; null without a tokenizer), and why it ended: {@code stop_token}, {@code stop_string}, {@code max_tokens} or
 * {@code context_limit}. A row that could not run has nulls and the reason in {@code error}.
 */
public record GenerationResult(int[] ids, String text, String finishReason, Integer promptTokens, String error) {

    static GenerationResult failed(Integer promptTokens, String error) {
        return new GenerationResult(null, null, null, promptTokens, error);
    }
}
