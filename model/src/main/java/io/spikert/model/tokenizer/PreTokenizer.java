package io.spikert.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Qwen2's split of normalized text into words before BPE, the regex of its tokenizer.json.
 * HF runs it with Oniguruma, where {@code \s} is Unicode White_Space and {@code (?i)} folds
 * Unicode case; Java needs UNICODE_CHARACTER_CLASS for both (without it {@code \s} is ASCII only
 * and U+00A0, U+3000 and friends would split differently).
 */
final class PreTokenizer {
    static final String REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final Pattern PATTERN = Pattern.compile(REGEX, Pattern.UNICODE_CHARACTER_CLASS);

    private PreTokenizer() {}

    /** Hands each word to the sink in order; the words concatenate back to the text. */
    static void split(String text, Consumer<String> sink) {
        Matcher m = PATTERN.matcher(text);
        int end = 0;
        while (m.find()) {
            // The alternatives cover every character, so gaps cannot occur; kept like HF's
            // Isolated split (unmatched text is a word too) so that no byte is ever dropped.
            if (m.start() > end) {
                sink.accept(text.substring(end, m.start()));
            }
            sink.accept(m.group());
            end = m.end();
        }
        if (end < text.length()) {
            sink.accept(text.substring(end));
        }
    }

    static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        split(text, words::add);
        return words;
    }
}
