package io.spikert.model.chat;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON text as the {@code tojson} filter of Hugging Face's chat templates writes it: Python's {@code json.dumps}
 * with {@code ensure_ascii=False} and no key sorting, so {@code ", "} between items and {@code ": "} after keys
 * (with {@code indent}, {@code ","} and a newline), non-ASCII characters as they are. Tool schemas and tool-call
 * arguments reach the model in this form, so it must match byte for byte what the model was trained on.
 *
 * <p>Numbers: integers as they are; a double that holds an integer is written without a fraction ({@code 2.0} as
 * {@code 2}), as {@code @huggingface/jinja} does (Python would write {@code 2.0}); others as Java's shortest
 * round-trip form, which equals JavaScript's and Python's for the plain decimals JSON requests carry.
 */
final class PyJson {
    /** {@code indent} null: one line; {@code separators} null: the defaults above. */
    record Options(Integer indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {
        static final Options DEFAULT = new Options(null, null, null, false, false);
    }

    private PyJson() {}

    static String write(Object value, Options o) {
        StringBuilder sb = new StringBuilder();
        String item = o.itemSeparator() != null ? o.itemSeparator() : o.indent() != null ? "," : ", ";
        String key = o.keySeparator() != null ? o.keySeparator() : ": ";
        new Writer(sb, o, item, key).value(value, 0);
        return sb.toString();
    }

    private record Writer(StringBuilder sb, Options o, String item, String key) {
        void value(Object v, int depth) {
            switch (v) {
                case null -> sb.append("null");
                case CharSequence s -> string(s.toString());
                case Boolean b -> sb.append(b);
                case Double d -> number(d);
                case Float f -> number(f.doubleValue());
                case Number n -> sb.append(n);
                case Map<?, ?> m -> object(m, depth);
                case Collection<?> c -> array(c, depth);
                case Object[] a -> array(List.of(a), depth);
                default -> string(v.toString());
            }
        }

        private void number(double d) {
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                sb.append(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e21) {
                sb.append(new java.math.BigDecimal(d).toPlainString());
            } else {
                sb.append(d);
            }
        }

        private void newline(int depth) {
            sb.append('\n').append(" ".repeat(o.indent() * depth));
        }

        private void array(Collection<?> c, int depth) {
            sb.append('[');
            boolean first = true;
            for (Object e : c) {
                if (!first) {
                    sb.append(item);
                }
                first = false;
                if (o.indent() != null) {
                    newline(depth + 1);
                }
                value(e, depth + 1);
            }
            if (o.indent() != null && !c.isEmpty()) {
                newline(depth);
            }
            sb.append(']');
        }

        private void object(Map<?, ?> m, int depth) {
            Map<?, ?> entries = o.sortKeys() ? new TreeMap<>(m) : m;
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries.entrySet()) {
                if (!first) {
                    sb.append(item);
                }
                first = false;
                if (o.indent() != null) {
                    newline(depth + 1);
                }
                string(String.valueOf(e.getKey()));
                sb.append(key);
                value(e.getValue(), depth + 1);
            }
            if (o.indent() != null && !m.isEmpty()) {
                newline(depth);
            }
            sb.append('}');
        }

        /** JSON string escapes as json.dumps and JSON.stringify write them; lone surrogates as {@code \\uXXXX}. */
        private void string(String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case '\b' -> sb.append("\\b");
                    case '\f' -> sb.append("\\f");
                    default -> {
                        boolean lone = Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < s.length()
                                && Character.isLowSurrogate(s.charAt(i + 1)))
                                && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
                        if (c < 0x20 || lone || (o.ensureAscii() && c > 0x7e)) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            sb.append('"');
        }
    }
}
