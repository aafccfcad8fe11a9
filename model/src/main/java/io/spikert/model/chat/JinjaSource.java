package io.spikert.model.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * A chat template's Jinja text prepared for Jinjava so that it means what it means to Jinja2:
 * <ul>
 *   <li>one trailing newline is dropped (Jinja2's {@code keep_trailing_newline=False} reads the source so);
 *   <li>the operand of each unary {@code not} inside {@code {{ }}} and {@code {% %}} is put in parentheses.
 *       In Jinja2 {@code not} binds more loosely than comparisons, {@code in} and {@code is} tests ({@code not x
 *       is defined} is {@code not (x is defined)}); Jinjava's parser binds it tightest ({@code (not x) is
 *       defined}), which turns Llama 3's {@code {% if not tools is defined %}} upside down. The operand runs to
 *       the next {@code and}, {@code or}, {@code if}, {@code else}, comma, colon or closing bracket at its depth;
 *   <li>a slice with a step, {@code x[a:b:c]}, becomes {@code spikert_slice(x, a, b, c)} ({@link
 *       JinjaEnvironment}), as Jinjava's parser knows only {@code x[a:b]};
 *   <li>{@code {% generation %}} and {@code {% endgeneration %}} (transformers' marks of the assistant's tokens,
 *       which Jinjava does not know) are removed, with their whitespace control, as {@code @huggingface/jinja} does.
 * </ul>
 * Text outside tags, comments, {@code raw} blocks and string literals are left as they are; a template without
 * {@code not} comes back unchanged but for the newline.
 */
final class JinjaSource {
    private JinjaSource() {}

    static String prepare(String template) {
        String t = template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
        if (!t.contains("not") && !t.contains("generation") && !t.contains(":")) {
            return t;
        }
        StringBuilder out = new StringBuilder(t.length() + 16);
        int i = 0;
        while (i < t.length()) {
            int open = t.indexOf('{', i);
            if (open < 0 || open + 1 >= t.length()) {
                out.append(t, i, t.length());
                break;
            }
            char kind = t.charAt(open + 1);
            if (kind == '#') {
                int end = t.indexOf("#}", open + 2);
                end = end < 0 ? t.length() : end + 2;
                out.append(t, i, end);
                i = end;
                continue;
            }
            if (kind != '{' && kind != '%') {
                out.append(t, i, open + 1);
                i = open + 1;
                continue;
            }
            int codeStart = open + 2;
            int codeEnd = closer(t, codeStart, kind == '{' ? "}}" : "%}");
            if (codeEnd < 0) { // unterminated: Jinjava reports it
                out.append(t, i, t.length());
                break;
            }
            String code = t.substring(codeStart, codeEnd);
            String statement = code.replaceFirst("^[-+]", "").strip();
            if (kind == '%' && (statement.equals("generation") || statement.equals("endgeneration"))) {
                // transformers' marker of the assistant's tokens (for training masks): no output, as in HF's Jinja
                out.append(t, i, open);
                if (code.startsWith("-")) {
                    stripTrailingWhitespace(out);
                }
                i = t.indexOf("}", codeEnd) + 1;
                if (t.charAt(codeEnd) == '-') {
                    while (i < t.length() && Character.isWhitespace(t.charAt(i))) {
                        i++;
                    }
                }
                continue;
            }
            out.append(t, i, codeStart).append(rewrite(code));
            i = codeEnd;
            if (kind == '%' && statement.equals("raw")) {
                int endraw = rawEnd(t, i);
                out.append(t, i, endraw);
                i = endraw;
            }
        }
        return out.toString();
    }

    private static void stripTrailingWhitespace(StringBuilder sb) {
        int n = sb.length();
        while (n > 0 && Character.isWhitespace(sb.charAt(n - 1))) {
            n--;
        }
        sb.setLength(n);
    }

    /** The index of the {@code }}} or {@code %}} that closes a tag whose code starts at {@code from}, or -1. */
    private static int closer(String t, int from, String close) {
        int depth = 0;
        for (int i = from; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(t, i) - 1;
            } else if (depth == 0 && t.startsWith(close, i)) {
                return t.charAt(i - 1) == '-' || t.charAt(i - 1) == '+' ? i - 1 : i;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
        return -1;
    }

    /** The index after the tag that ends a raw block, or the text's end. */
    private static int rawEnd(String t, int from) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%}").matcher(t);
        return m.find(from) ? m.end() : t.length();
    }

    /** The index after the string literal that starts at {@code i}. */
    private static int stringEnd(String t, int i) {
        char q = t.charAt(i);
        for (int j = i + 1; j < t.length(); j++) {
            char c = t.charAt(j);
            if (c == '\\') {
                j++;
            } else if (c == q) {
                return j + 1;
            }
        }
        return t.length();
    }

    /** Tokens of an expression: words, numbers, strings, single punctuation characters and whitespace runs. */
    private static List<String> tokens(String code) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < code.length()) {
            char c = code.charAt(i);
            int j = i + 1;
            if (c == '\'' || c == '"') {
                j = stringEnd(code, i);
            } else if (Character.isWhitespace(c)) {
                while (j < code.length() && Character.isWhitespace(code.charAt(j))) {
                    j++;
                }
            } else if (Character.isLetterOrDigit(c) || c == '_') {
                while (j < code.length() && (Character.isLetterOrDigit(code.charAt(j)) || code.charAt(j) == '_')) {
                    j++;
                }
            }
            tokens.add(code.substring(i, j));
            i = j;
        }
        return tokens;
    }

    private static boolean blank(String token) {
        return token.isBlank();
    }

    /** The code of one tag with both rewrites. */
    private static String rewrite(String code) {
        return rewriteNot(rewriteSteppedSlices(code));
    }

    /**
     * {@code x[a:b:c]} (Jinjava parses no slice with a step; Qwen3's template walks {@code messages[::-1]}) as
     * {@code spikert_slice(x, a, b, c)}, which slices as Python does, an empty part passed as none.
     */
    private static String rewriteSteppedSlices(String code) {
        if (!code.contains("::") && code.chars().filter(c -> c == ':').count() < 2) {
            return code;
        }
        List<String> ts = tokens(code);
        boolean changed = false;
        for (int k = 0; k < ts.size(); k++) {
            if (!ts.get(k).equals("[") || k == 0 || blank(ts.get(k - 1)) || isOperator(ts.get(k - 1))) {
                continue; // a list literal, not a subscript
            }
            int close = operandEnd(ts, k + 1);
            List<Integer> colons = new ArrayList<>();
            int depth = 0;
            for (int i = k + 1; i < close; i++) {
                String t = ts.get(i);
                if (t.equals("(") || t.equals("[") || t.equals("{")) {
                    depth++;
                } else if (t.equals(")") || t.equals("]") || t.equals("}")) {
                    depth--;
                } else if (t.equals(":") && depth == 0) {
                    colons.add(i);
                }
            }
            while (close < ts.size() && ts.get(close).equals(":")) { // operandEnd stops at ':'; find the ']'
                colons.add(close);
                close = operandEnd(ts, close + 1);
            }
            if (colons.size() != 2 || close >= ts.size() || !ts.get(close).equals("]")) {
                continue;
            }
            int start = primaryStart(ts, k);
            String primary = String.join("", ts.subList(start, k));
            String a = part(ts, k + 1, colons.get(0));
            String b = part(ts, colons.get(0) + 1, colons.get(1));
            String c = part(ts, colons.get(1) + 1, close);
            String call = "spikert_slice(" + primary + ", " + a + ", " + b + ", " + c + ")";
            ts.subList(start, close + 1).clear();
            ts.add(start, call);
            k = start;
            changed = true;
        }
        return changed ? String.join("", ts) : code;
    }

    private static boolean isOperator(String t) {
        return switch (t) {
            case "(", "[", "{", ",", ":", "=", "+", "-", "*", "/", "%", "~", "<", ">", "|", "!" -> true;
            case "and", "or", "not", "in", "is", "if", "else", "return" -> true;
            default -> false;
        };
    }

    /** Where the primary ending just before {@code ts[k]} starts: names, dots, calls and subscripts. */
    private static int primaryStart(List<String> ts, int k) {
        int i = k - 1;
        while (i >= 0) {
            String t = ts.get(i);
            if (t.equals(")") || t.equals("]")) {
                int depth = 0;
                for (; i >= 0; i--) {
                    String u = ts.get(i);
                    if (u.equals(")") || u.equals("]")) {
                        depth++;
                    } else if ((u.equals("(") || u.equals("[")) && --depth == 0) {
                        break;
                    }
                }
                i--;
            } else if (t.equals(".") || (!blank(t) && !isOperator(t) && !t.equals(")") && !t.equals("}"))) {
                i--;
                if (!t.equals(".") && i >= 0 && !ts.get(i).equals(".")) {
                    break;
                }
            } else {
                break;
            }
        }
        return i + 1;
    }

    private static String part(List<String> ts, int from, int to) {
        String p = String.join("", ts.subList(from, to)).strip();
        return p.isEmpty() ? "none" : p;
    }

    private static String rewriteNot(String code) {
        if (!code.contains("not")) {
            return code;
        }
        List<String> ts = tokens(code);
        boolean changed = false;
        for (int k = 0; k < ts.size(); k++) {
            if (!ts.get(k).equals("not")) {
                continue;
            }
            String prev = previous(ts, k);
            String next = following(ts, k);
            if ("is".equals(prev) || "in".equals(next) || next == null) {
                continue; // "is not test" and "not in" are binary operators, not the unary not
            }
            int end = operandEnd(ts, k + 1);
            // "not x" -> "not (x)": the parenthesis goes after the whitespace that followed "not"
            int start = k + 1;
            while (start < end && blank(ts.get(start))) {
                start++;
            }
            int last = end;
            while (last > start && blank(ts.get(last - 1))) {
                last--;
            }
            if (last - start <= 1 || (ts.get(start).equals("(") && operandEnd(ts, start + 1) == last - 1)) {
                continue; // a single token or one parenthesised group: it is already the whole operand
            }
            ts.add(last, ")");
            ts.add(start, "(");
            changed = true;
        }
        return changed ? String.join("", ts) : code;
    }

    private static String previous(List<String> ts, int k) {
        for (int i = k - 1; i >= 0; i--) {
            if (!blank(ts.get(i))) {
                return ts.get(i);
            }
        }
        return null;
    }

    private static String following(List<String> ts, int k) {
        for (int i = k + 1; i < ts.size(); i++) {
            if (!blank(ts.get(i))) {
                return ts.get(i);
            }
        }
        return null;
    }

    /** The index after the operand of a not whose operand starts at {@code from}. */
    private static int operandEnd(List<String> ts, int from) {
        int depth = 0;
        for (int i = from; i < ts.size(); i++) {
            String t = ts.get(i);
            switch (t) {
                case "(", "[", "{" -> depth++;
                case ")", "]", "}" -> {
                    if (depth == 0) {
                        return i;
                    }
                    depth--;
                }
                case "and", "or", "if", "else", ",", ":" -> {
                    if (depth == 0) {
                        return i;
                    }
                }
                default -> { }
            }
        }
        return ts.size();
    }
}
