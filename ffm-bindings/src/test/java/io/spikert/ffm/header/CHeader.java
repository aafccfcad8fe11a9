package io.spikert.ffm.header;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of a C preprocessor and declaration reader to check bindings against vendor headers:
 * conditional blocks evaluated for 64-bit Linux in C mode (no per-thread default stream, no internal
 * API version), object-like and one-parameter function-like macros for the
 * {@code #define cuMemAlloc cuMemAlloc_v2} renames, typedef chains, enum values, integer
 * {@code #define}s, and {@code CUDAAPI}/{@code CUDARTAPI} prototypes. Includes are not followed:
 * pass every file needed, in include order.
 */
public final class CHeader {
    /** One prototype as declared, with its name after macro renaming. */
    public record Prototype(String declaredName, String name, String returnType, List<String> parameterTypes,
                            String text) {
    }

    private static final Set<String> PREDEFINED = Set.of("__LP64__", "__linux__", "__x86_64__", "__GNUC__");

    private final Map<String, String> objectMacros = new HashMap<>();
    private final Map<String, String[]> functionMacros = new HashMap<>(); // name -> {param, body}
    private final Map<String, String> typedefs = new HashMap<>();
    private final Map<String, Long> enumValues = new HashMap<>();
    private final Map<String, Prototype> prototypes = new HashMap<>();
    private final List<String> declaredNames = new ArrayList<>();
    private final StringBuilder code = new StringBuilder();

    private CHeader() {
        for (String p : PREDEFINED) {
            objectMacros.put(p, "1");
        }
    }

    public static CHeader parse(Path... files) throws IOException {
        CHeader h = new CHeader();
        for (Path f : files) {
            h.preprocess(stripComments(Files.readString(f)));
        }
        h.readDeclarations();
        return h;
    }

    /** The prototype whose (macro-renamed) name is {@code name}, or null. */
    public Prototype prototype(String name) {
        return prototypes.get(name);
    }

    /** Value of an enumerator or integer {@code #define}, or null when the header has none. */
    public Long constant(String name) {
        Long v = enumValues.get(name);
        if (v != null) {
            return v;
        }
        String body = objectMacros.get(name);
        if (body == null || PREDEFINED.contains(name)) {
            return null;
        }
        String b = body.strip();
        // A macro naming another (#define DNNL_ARG_SRC DNNL_ARG_SRC_0) has that one's value.
        if (b.matches("\\w+") && !b.equals(name) && !Character.isDigit(b.charAt(0))) {
            return constant(b);
        }
        return literal(b);
    }

    /** The base C type a type name stands for after following typedefs (e.g. CUdevice to int). */
    public String resolveType(String type) {
        String t = normalize(type);
        for (int guard = 0; guard < 32; guard++) {
            if (t.contains("*") || t.startsWith("enum ") || t.startsWith("struct ")) {
                return t;
            }
            String next = typedefs.get(t);
            if (next == null) {
                return t;
            }
            t = next;
        }
        throw new IllegalStateException("typedef cycle at " + type);
    }

    // ---- preprocessing ---------------------------------------------------------------------------

    private static String stripComments(String s) {
        s = s.replaceAll("(?s)/\\*.*?\\*/", " ");
        s = s.replaceAll("//[^\n]*", "");
        return s.replace("\\\n", " ");
    }

    private void preprocess(String text) {
        // Each frame: {parentActive, thisBranchActive, anyBranchTaken}
        Deque<boolean[]> stack = new ArrayDeque<>();
        boolean active = true;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (!line.startsWith("#")) {
                if (active) {
                    code.append(raw).append('\n');
                }
                continue;
            }
            String d = line.substring(1).strip();
            String word = d.split("[\\s(]", 2)[0];
            String rest = d.substring(word.length()).strip();
            switch (word) {
                case "if", "ifdef", "ifndef" -> {
                    boolean cond = active && switch (word) {
                        case "ifdef" -> objectMacros.containsKey(rest) || functionMacros.containsKey(rest);
                        case "ifndef" -> !(objectMacros.containsKey(rest) || functionMacros.containsKey(rest));
                        default -> eval(rest) != 0;
                    };
                    stack.push(new boolean[] {active, cond, cond});
                    active = cond;
                }
                case "elif" -> {
                    boolean[] f = stack.peek();
                    boolean cond = f[0] && !f[2] && eval(rest) != 0;
                    f[1] = cond;
                    f[2] |= cond;
                    active = cond;
                }
                case "else" -> {
                    boolean[] f = stack.peek();
                    f[1] = f[0] && !f[2];
                    f[2] = true;
                    active = f[1];
                }
                case "endif" -> active = stack.pop()[0];
                case "define" -> {
                    if (active) {
                        define(rest);
                    }
                }
                case "undef" -> {
                    if (active) {
                        objectMacros.remove(rest);
                        functionMacros.remove(rest);
                    }
                }
                default -> {
                    // include, pragma, error: nothing to evaluate
                }
            }
        }
    }

    private static final Pattern FUNCTION_MACRO = Pattern.compile("(\\w+)\\((\\w+)\\)\\s*(.*)");

    private void define(String rest) {
        Matcher fm = FUNCTION_MACRO.matcher(rest);
        if (fm.matches()) {
            functionMacros.put(fm.group(1), new String[] {fm.group(2), fm.group(3).strip()});
            return;
        }
        String[] parts = rest.split("\\s+", 2);
        objectMacros.put(parts[0], parts.length > 1 ? parts[1].strip() : "");
    }

    /** Renames a function name through object-like and one-parameter function-like macros. */
    String rename(String name) {
        String n = name;
        for (int guard = 0; guard < 16; guard++) {
            String body = objectMacros.get(n);
            if (body == null || body.isEmpty()) {
                return n;
            }
            Matcher call = Pattern.compile("(\\w+)\\s*\\(\\s*(\\w+)\\s*\\)").matcher(body);
            if (call.matches() && functionMacros.containsKey(call.group(1))) {
                String[] fn = functionMacros.get(call.group(1));
                body = fn[1].replaceAll("\\b" + fn[0] + "\\b", call.group(2)).replaceAll("\\s*##\\s*", "");
            }
            if (!body.matches("\\w+")) {
                return n;
            }
            n = body;
        }
        return n;
    }

    // ---- #if expressions ---------------------------------------------------------------------------

    private List<String> tokens;
    private int pos;

    long eval(String expr) {
        tokens = new ArrayList<>();
        Matcher m = Pattern.compile("\\d+[uUlL]*|0[xX][0-9a-fA-F]+[uUlL]*|\\w+|&&|\\|\\||[<>=!]=|[()!<>+\\-*/]").matcher(expr);
        while (m.find()) {
            tokens.add(m.group());
        }
        pos = 0;
        return or();
    }

    private String peek() {
        return pos < tokens.size() ? tokens.get(pos) : "";
    }

    private long or() {
        long v = and();
        while (peek().equals("||")) {
            pos++;
            long r = and();
            v = (v != 0 || r != 0) ? 1 : 0;
        }
        return v;
    }

    private long and() {
        long v = compare();
        while (peek().equals("&&")) {
            pos++;
            long r = compare();
            v = (v != 0 && r != 0) ? 1 : 0;
        }
        return v;
    }

    private long compare() {
        long v = sum();
        while (Set.of("<", ">", "<=", ">=", "==", "!=").contains(peek())) {
            String op = tokens.get(pos++);
            long r = sum();
            v = switch (op) {
                case "<" -> v < r ? 1 : 0;
                case ">" -> v > r ? 1 : 0;
                case "<=" -> v <= r ? 1 : 0;
                case ">=" -> v >= r ? 1 : 0;
                case "==" -> v == r ? 1 : 0;
                default -> v != r ? 1 : 0;
            };
        }
        return v;
    }

    private long sum() {
        long v = product();
        while (peek().equals("+") || peek().equals("-")) {
            String op = tokens.get(pos++);
            long r = product();
            v = op.equals("+") ? v + r : v - r;
        }
        return v;
    }

    private long product() {
        long v = unary();
        while (peek().equals("*") || peek().equals("/")) {
            String op = tokens.get(pos++);
            long r = unary();
            v = op.equals("*") ? v * r : (r == 0 ? 0 : v / r);
        }
        return v;
    }

    private long unary() {
        String t = tokens.get(pos++);
        if (t.equals("!")) {
            return unary() == 0 ? 1 : 0;
        } else if (t.equals("-")) {
            return -unary();
        } else if (t.equals("(")) {
            long v = or();
            pos++; // ')'
            return v;
        } else if (t.equals("defined")) {
            boolean paren = peek().equals("(");
            if (paren) {
                pos++;
            }
            String name = tokens.get(pos++);
            if (paren) {
                pos++;
            }
            return objectMacros.containsKey(name) || functionMacros.containsKey(name) ? 1 : 0;
        } else if (Character.isDigit(t.charAt(0))) {
            return literal(t);
        }
        String body = objectMacros.get(t);
        if (body == null || body.isEmpty()) {
            return 0; // undefined identifiers are 0, as in C
        }
        List<String> saved = tokens;
        int savedPos = pos;
        long v = eval(body);
        tokens = saved;
        pos = savedPos;
        return v;
    }

    static Long literal(String t) {
        String s = t.replaceAll("[uUlL]+$", "");
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) {
                return Long.parseLong(s.substring(2), 16);
            }
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ---- declarations --------------------------------------------------------------------------------

    private static final Pattern PROTOTYPE = Pattern.compile(
            "^(.*?)\\b(?:CUDAAPI|CUDARTAPI|DNNL_API)\\s+(\\w+)\\s*\\((.*)\\)$", Pattern.DOTALL);

    private void readDeclarations() {
        String text = code.toString().replaceAll("__dv\\([^()]*\\)", "").replaceAll("extern\\s+\"C\"\\s*\\{", "")
                // "const dnnl_version_t DNNL_API *dnnl_version(void)": the star belongs to the return type.
                .replaceAll("DNNL_API\\s*\\*", "* DNNL_API ");
        int depth = 0;
        StringBuilder stmt = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            }
            if (c == ';' && depth <= 0) {
                statement(stmt.toString().replaceAll("\\s+", " ").strip());
                stmt.setLength(0);
                depth = 0;
            } else {
                stmt.append(c);
            }
        }
    }

    private void statement(String s) {
        if (s.startsWith("}")) {
            s = s.substring(1).strip(); // end of an extern "C" block glued to the next statement
        }
        if (s.startsWith("typedef ")) {
            typedef(s.substring(8).strip());
            return;
        }
        if (s.startsWith("enum ") && s.contains("{")) {
            enumBody(s);
            return;
        }
        Matcher m = PROTOTYPE.matcher(s);
        if (m.matches()) {
            String declared = m.group(2);
            List<String> params = new ArrayList<>();
            String args = m.group(3).strip();
            if (!args.isEmpty() && !args.equals("void")) {
                for (String a : args.split(",")) {
                    params.add(parameterType(a.strip()));
                }
            }
            String ret = normalize(m.group(1));
            String name = rename(declared);
            declaredNames.add(declared);
            prototypes.putIfAbsent(name, new Prototype(declared, name, ret, params, s));
        }
    }

    /** A parameter's type without its name ("const void *srcHost" gives "const void *"). */
    private static String parameterType(String param) {
        String p = param.replaceAll("\\[\\s*\\]", "*");
        Matcher m = Pattern.compile("^(.*?[\\s*])(\\w+)$").matcher(p);
        if (m.matches() && !isTypeWord(m.group(2))) {
            return normalize(m.group(1));
        }
        return normalize(p);
    }

    private static boolean isTypeWord(String w) {
        return Set.of("int", "char", "float", "double", "long", "short", "void", "unsigned", "signed").contains(w);
    }

    /** Drops qualifiers and compiler noise, spaces stars: "const char*" gives "char *". */
    static String normalize(String type) {
        String t = type.replace("*", " * ");
        StringBuilder out = new StringBuilder();
        for (String w : t.strip().split("\\s+")) {
            if (w.isEmpty() || w.equals("const") || w.equals("extern") || w.equals("volatile")
                    || w.startsWith("__") || w.equals("CUDAAPI") || w.equals("CUDARTAPI")) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append(w);
        }
        return out.toString().replace("* *", "**").replace("* *", "**");
    }

    private void typedef(String s) {
        if (s.contains("{")) {
            String head = s.substring(0, s.indexOf('{')).strip();
            String names = s.substring(s.lastIndexOf('}') + 1).strip();
            if (head.startsWith("enum")) {
                enumBody(s);
            }
            String base = normalize(head);
            for (String n : names.split(",")) {
                String name = n.strip();
                if (name.startsWith("*")) {
                    typedefs.put(name.substring(1).strip(), base + " *");
                } else if (!name.isEmpty()) {
                    typedefs.put(name, base);
                }
            }
            return;
        }
        Matcher m = Pattern.compile("^(.*?[\\s*])(\\w+)$").matcher(s);
        if (m.matches()) {
            typedefs.put(m.group(2), normalize(m.group(1)));
            return;
        }
        // An array type (typedef dnnl_dim_t dnnl_dims_t[DNNL_MAX_NDIMS]): as a parameter it is a pointer.
        Matcher array = Pattern.compile("^(.*?[\\s*])(\\w+)\\s*\\[[^\\]]*\\]$").matcher(s);
        if (array.matches()) {
            typedefs.put(array.group(2), normalize(array.group(1)) + " *");
        }
    }

    private void enumBody(String s) {
        String body = s.substring(s.indexOf('{') + 1, s.lastIndexOf('}'));
        long next = 0;
        for (String entry : body.split(",")) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            String[] kv = e.split("=", 2);
            String name = kv[0].strip();
            Long value = next;
            if (kv.length == 2) {
                String expr = kv[1].strip();
                value = literal(expr);
                if (value == null) {
                    value = enumValues.get(expr);
                }
                if (value == null && expr.matches("-\\s*\\d+")) {
                    value = -literal(expr.substring(1).strip());
                }
            }
            if (value == null) {
                continue; // an expression this reader does not evaluate; such names stay unknown
            }
            enumValues.put(name, value);
            next = value + 1;
        }
    }

    /** Declared names that macro renaming changed, e.g. cuMemAlloc to cuMemAlloc_v2 (for diagnostics). */
    public Set<String> renamedDeclarations() {
        Set<String> out = new HashSet<>();
        for (String d : declaredNames) {
            if (!rename(d).equals(d)) {
                out.add(d);
            }
        }
        return out;
    }
}
