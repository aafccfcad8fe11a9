package io.spikert.model.tokenizer;

/** A token outside BPE (such as {@code <|im_end|>}), matched verbatim in text and decoded as its content. */
record AddedToken(int id, String content, boolean special) {}
