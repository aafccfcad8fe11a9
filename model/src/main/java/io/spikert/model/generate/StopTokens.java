package io.spikert.model.generate;

import io.spikert.model.ModelConfig;
import io.spikert.model.tokenizer.Tokenizer;

import java.util.LinkedHashSet;
import java.util.Set;

/** The ids that end a generation: {@code <|endoftext|>}, {@code <|im_end|>} and the config's eos ids. */
public final class StopTokens {
    private static final int ENDOFTEXT_ID = 151643;

    private StopTokens() {}

    /** Looks the special tokens up in {@code tokenizer} when there is one (null: the published Qwen2.5 ids). */
    public static Set<Integer> of(ModelConfig config, Tokenizer tokenizer) {
        Set<Integer> stops = new LinkedHashSet<>(config.eosTokenIds());
        if (tokenizer != null) {
            tokenizer.tokenId("<|endoftext|>").ifPresent(stops::add);
            tokenizer.tokenId("<|im_end|>").ifPresent(stops::add);
        } else {
            stops.add(ENDOFTEXT_ID);
            stops.add(ModelConfig.IM_END_ID);
        }
        stops.removeIf(id -> id < 0 || id >= config.vocabSize());
        return stops;
    }
}
