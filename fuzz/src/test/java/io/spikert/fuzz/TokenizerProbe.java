package io.spikert.fuzz;

import io.spikert.model.tokenizer.Tokenizer;

import java.nio.file.Path;

/**
 * Loads the tokenizer of a folder and, when it loads, uses it as the CLI does: encodes a text with ordinary
 * words, byte-level oddities and every added token, decodes the ids, and decodes every id of the vocabulary
 * one by one (a bad id-to-token table shows up there).
 */
final class TokenizerProbe {
    static final String TEXT = "<|im_start|>user\nHello, wörld! 123 \t  tabs\u00e9\u0301 \uD83D\uDE00<|im_end|><|endoftext|> the end";
    /** Ids beyond this are not decoded one by one (a huge vocabulary from a mutated id is not a finding by itself). */
    private static final int MAX_DECODED_IDS = 4096;

    private TokenizerProbe() {
    }

    static void run(Path folder) throws Exception {
        ProbePhase.set("load");
        Tokenizer tokenizer = Tokenizer.load(folder);
        ProbePhase.set("encode");
        int[] ids = tokenizer.encode(TEXT);
        tokenizer.decode(ids);
        tokenizer.encodeOrdinary(TEXT);
        ProbePhase.set("decode every id");
        int n = Math.min(tokenizer.vocabSize(), MAX_DECODED_IDS);
        for (int id = 0; id < n; id++) {
            try {
                tokenizer.token(id);
            } catch (IllegalArgumentException e) {
                if (String.valueOf(e.getMessage()).startsWith("unknown token id ")) {
                    continue; // documented: not every id below vocabSize need exist
                }
                throw e;
            }
            tokenizer.decodeBytes(id);
        }
    }
}
