package io.spikert.spark.rows;

import io.spikert.model.Session;
import io.spikert.model.tokenizer.Tokenizer;

import java.util.List;

/**
 * A row's input as token ids, or why the row cannot run: the rows of a Dataset are the users' data, so a bad one
 * becomes a null result with an error message instead of a failed task.
 *
 * @param ids   the ids, null when {@code error} is set
 * @param error why the row does not run, null when it does
 */
public record RowTokens(int[] ids, String error) {

    public static RowTokens error(String message) {
        return new RowTokens(null, message);
    }

    public boolean ok() {
        return error == null;
    }

    /**
     * The ids of a column value: a string is tokenized (with {@code tokenizer}, which must exist), an int array or list
     * is taken as ids. Refuses null, empty input, ids outside [0, vocab), and more than {@code maxTokens} tokens.
     */
    public static RowTokens of(Object value, Tokenizer tokenizer, int vocab, long maxTokens) {
        int[] ids;
        if (value == null) {
            return error("the input is null");
        } else if (value instanceof String text) {
            if (text.isEmpty()) {
                return error("the text is empty");
            }
            if (tokenizer == null) {
                throw new IllegalStateException("a text column needs the model's tokenizer files, which the model folder lacks;"
                        + " give a column of token ids (array<int>) instead");
            }
            ids = tokenizer.encode(text);
            if (ids.length == 0) {
                return error("the text gives no tokens");
            }
        } else if (value instanceof int[] a) {
            ids = a;
        } else if (value instanceof List<?> list) {
            ids = new int[list.size()];
            for (int i = 0; i < ids.length; i++) {
                Object o = list.get(i);
                if (!(o instanceof Number n)) {
                    return error("token id at index " + i + " is " + (o == null ? "null" : "not an integer: " + o));
                }
                long v = n.longValue();
                if (v != (int) v || (n instanceof Double || n instanceof Float) && n.doubleValue() != v) {
                    return error("token id " + n + " at index " + i + " is outside the vocabulary [0, " + vocab + ")");
                }
                ids[i] = (int) v;
            }
        } else {
            throw new IllegalArgumentException("an input column must be a string or an array of integer token ids, got a "
                    + value.getClass().getName());
        }
        if (ids.length == 0) {
            return error("no token ids");
        }
        try {
            Session.checkIds(ids, vocab);
        } catch (IllegalArgumentException e) {
            return error(e.getMessage());
        }
        if (ids.length > maxTokens) {
            return error(ids.length + " tokens: over the limit of " + maxTokens);
        }
        return new RowTokens(ids, null);
    }
}
