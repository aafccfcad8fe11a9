package io.spikert.model.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods on strings, for the chat templates that call them ({@code content.startswith('x')},
 * {@code content.split('</think>')[-1].strip()}, ...). Jinjava would otherwise call the Java method of that name,
 * when there is one, with Java's meaning ({@code String.split} takes a regular expression). Placed first in the
 * resolver chain, it answers only method calls on a {@link String} whose name it knows, with Python's semantics.
 */
final class PythonStrMethods extends ELResolver {
    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] a = params == null ? new Object[0] : params;
        Object result = switch (method.toString()) {
            case "startswith" -> affix(s, a, true);
            case "endswith" -> affix(s, a, false);
            case "strip" -> strip(s, chars(a), true, true);
            case "lstrip" -> strip(s, chars(a), true, false);
            case "rstrip" -> strip(s, chars(a), false, true);
            case "split" -> split(s, a, false);
            case "rsplit" -> split(s, a, true);
            case "splitlines" -> s.lines().toList();
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace" -> replace(s, a);
            case "find" -> s.indexOf(arg(a, 0, "find"));
            case "rfind" -> s.lastIndexOf(arg(a, 0, "rfind"));
            case "count" -> count(s, arg(a, 0, "count"));
            case "join" -> join(s, a);
            case "removeprefix" -> s.startsWith(arg(a, 0, "removeprefix")) ? s.substring(arg(a, 0, "").length()) : s;
            case "removesuffix" -> s.endsWith(arg(a, 0, "removesuffix"))
                    ? s.substring(0, s.length() - arg(a, 0, "").length()) : s;
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(PythonStrMethods::isSpace);
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.chars().allMatch(Character::isLetterOrDigit);
            case "isupper" -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toUpperCase(Locale.ROOT));
            case "islower" -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toLowerCase(Locale.ROOT));
            default -> null;
        };
        if (result != null) {
            context.setPropertyResolved(true);
        }
        return result;
    }

    private static String arg(Object[] a, int i, String method) {
        if (i >= a.length || a[i] == null) {
            throw new IllegalArgumentException("str." + method + "() needs argument " + (i + 1));
        }
        return a[i].toString();
    }

    /** Python's str.isspace for one character. */
    private static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || (c >= 0x1c && c <= 0x1f) || c == 0x85;
    }

    /** startswith/endswith: a string or a tuple (list) of strings. */
    private static boolean affix(String s, Object[] a, boolean start) {
        if (a.length == 0) {
            throw new IllegalArgumentException("str." + (start ? "startswith" : "endswith") + "() needs an argument");
        }
        if (a[0] instanceof Collection<?> options) {
            for (Object o : options) {
                if (start ? s.startsWith(String.valueOf(o)) : s.endsWith(String.valueOf(o))) {
                    return true;
                }
            }
            return false;
        }
        String x = String.valueOf(a[0]);
        return start ? s.startsWith(x) : s.endsWith(x);
    }

    /** The characters to strip, or null for whitespace. */
    private static String chars(Object[] a) {
        return a.length == 0 || a[0] == null ? null : a[0].toString();
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int from = 0;
        int to = s.length();
        while (left && from < to && strips(s.charAt(from), chars)) {
            from++;
        }
        while (right && to > from && strips(s.charAt(to - 1), chars)) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean strips(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    /** split(sep=None, maxsplit=-1): no separator splits on runs of whitespace and drops empty ends. */
    private static List<String> split(String s, Object[] a, boolean fromRight) {
        String sep = a.length == 0 || a[0] == null ? null : a[0].toString();
        int max = a.length > 1 && a[1] instanceof Number n ? n.intValue() : -1;
        if (sep != null && sep.isEmpty()) {
            throw new IllegalArgumentException("str.split(): empty separator");
        }
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            String t = strip(s, null, !fromRight || max < 0, fromRight || max < 0);
            if (t.isEmpty()) {
                return parts;
            }
            int n = 0;
            if (!fromRight) {
                int i = 0;
                while (i < t.length()) {
                    if (max >= 0 && n == max) {
                        parts.add(strip(t.substring(i), null, true, false));
                        return parts;
                    }
                    int j = i;
                    while (j < t.length() && !isSpace(t.charAt(j))) {
                        j++;
                    }
                    parts.add(t.substring(i, j));
                    n++;
                    while (j < t.length() && isSpace(t.charAt(j))) {
                        j++;
                    }
                    i = j;
                }
            } else {
                int j = t.length();
                while (j > 0) {
                    if (max >= 0 && n == max) {
                        parts.addFirst(strip(t.substring(0, j), null, false, true));
                        return parts;
                    }
                    int i = j;
                    while (i > 0 && !isSpace(t.charAt(i - 1))) {
                        i--;
                    }
                    parts.addFirst(t.substring(i, j));
                    n++;
                    while (i > 0 && isSpace(t.charAt(i - 1))) {
                        i--;
                    }
                    j = i;
                }
            }
            return parts;
        }
        if (!fromRight) {
            int i = 0;
            int k;
            while ((max < 0 || parts.size() < max) && (k = s.indexOf(sep, i)) >= 0) {
                parts.add(s.substring(i, k));
                i = k + sep.length();
            }
            parts.add(s.substring(i));
        } else {
            int j = s.length();
            int k;
            while ((max < 0 || parts.size() < max) && j >= sep.length() && (k = s.lastIndexOf(sep, j - sep.length())) >= 0) {
                parts.addFirst(s.substring(k + sep.length(), j));
                j = k;
            }
            parts.addFirst(s.substring(0, j));
        }
        return parts;
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(prevCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            prevCased = Character.isLetter(c);
        }
        return sb.toString();
    }

    private static String replace(String s, Object[] a) {
        String old = arg(a, 0, "replace");
        String by = arg(a, 1, "replace");
        int count = a.length > 2 && a[2] instanceof Number n ? n.intValue() : -1;
        if (count < 0) {
            return s.replace(old, by);
        }
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (int done = 0; done < count; done++) {
            int k = s.indexOf(old, i);
            if (k < 0 || (old.isEmpty() && k >= s.length())) {
                break;
            }
            sb.append(s, i, k).append(by);
            if (old.isEmpty()) {
                sb.append(s.charAt(k));
                i = k + 1;
            } else {
                i = k + old.length();
            }
        }
        return sb.append(s.substring(i)).toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String sep, Object[] a) {
        if (a.length == 0 || !(a[0] instanceof Iterable<?> items)) {
            throw new IllegalArgumentException("str.join() needs a list");
        }
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (Object o : items) {
            if (!first) {
                sb.append(sep);
            }
            first = false;
            sb.append(o);
        }
        return sb.toString();
    }

    // ---- no properties: the rest of the chain answers those ----

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
