package io.spikert.model.checkpoint;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A restricted pickle virtual machine: the opcode subset that {@code torch.save} emits for a state dict
 * (protocols 2 to 5), and nothing that could run code. Every global is resolved through a {@link Resolver},
 * which is the allowlist; persistent ids go to it too. Like {@code torch.load(weights_only=True)}, anything
 * else is refused.
 *
 * <p>Values: {@code null} (None), Boolean, Long, Double, String, {@link Tuple}, {@code ArrayList} (list),
 * {@code LinkedHashMap} (dict), {@link Global}, and whatever the resolver returns.
 *
 * <p>Untrusted input is bounded: lengths are checked against the remaining bytes before anything is allocated,
 * and the stack and memo have fixed maximum sizes.
 */
final class PickleReader {
    static final int MAX_STACK = 1 << 20;
    static final int MAX_MEMO = 1 << 22;

    /** A module-level name pushed by GLOBAL or STACK_GLOBAL after the resolver allowed it. */
    record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /** An immutable pickle tuple (kept apart from lists because torch's argument shapes rely on the difference). */
    record Tuple(List<Object> items) {
        Tuple {
            // not List.copyOf: None (null) is a legal tuple element
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    /** The allowlist and meaning of globals; throws {@link Invalid} to refuse. */
    interface Resolver {
        Global resolve(String module, String name);

        Object call(Global callable, Tuple args);

        Object persistentLoad(Object pid);
    }

    /** A refusal or type error found while executing; the reader adds the source and the byte offset. */
    static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private final String source;
    private final byte[] in;
    private final Resolver resolver;
    private int pos;
    private int opStart;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private PickleReader(String source, byte[] in, Resolver resolver) {
        this.source = source;
        this.in = in;
        this.resolver = resolver;
    }

    /** Runs {@code pickle} to its STOP and returns the result; {@code source} names the file in errors. */
    static Object read(String source, byte[] pickle, Resolver resolver) throws CheckpointException {
        PickleReader r = new PickleReader(source, pickle, resolver);
        try {
            return r.run();
        } catch (Invalid e) {
            String where = r.opStart < pickle.length
                    ? " (pickle opcode 0x" + String.format("%02x", pickle[r.opStart] & 0xFF) + " at byte " + r.opStart + ")"
                    : " (at byte " + r.opStart + ")";
            throw new CheckpointException(source + ": " + e.getMessage() + where);
        }
    }

    private Object run() {
        while (true) {
            if (pos >= in.length) {
                throw new Invalid("truncated pickle: no STOP before the end of the stream");
            }
            opStart = pos;
            int op = in[pos++] & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v < 2 || v > 5) {
                        throw new Invalid("unsupported pickle protocol " + v);
                    }
                }
                case 0x95 -> { // FRAME: a length hint only; the bytes follow inline
                    long n = le(8);
                    if (n < 0 || n > in.length - pos) {
                        throw new Invalid("frame of " + n + " bytes runs past the end of the stream");
                    }
                }
                case '.' -> { // STOP
                    Object result = pop();
                    if (!stack.isEmpty() || !marks.isEmpty()) {
                        throw new Invalid("STOP with " + stack.size() + " values left on the stack");
                    }
                    return result;
                }
                case '(' -> { // MARK
                    if (marks.size() >= MAX_STACK) {
                        throw new Invalid("too many nested MARKs");
                    }
                    marks.add(stack.size());
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) (int) le(4)); // BININT, signed
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push(le(2)); // BININT2, unsigned
                case 0x8a -> push(longN(u8())); // LONG1
                case 0x8b -> push(longN(length(le(4)))); // LONG4
                case 'G' -> push(Double.longBitsToDouble(be8())); // BINFLOAT, big-endian
                case 'X' -> push(utf8(length(le(4)))); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(length(le(8)))); // BINUNICODE8
                case 'T' -> push(latin1(length((long) (int) le(4)))); // BINSTRING (python 2 str)
                case 'U' -> push(latin1(u8())); // SHORT_BINSTRING
                case '}' -> push(new LinkedHashMap<>());
                case ']' -> push(new ArrayList<>());
                case ')' -> push(new Tuple(List.of()));
                case 't' -> push(new Tuple(popMark()));
                case 0x85 -> push(new Tuple(popN(1)));
                case 0x86 -> push(new Tuple(popN(2)));
                case 0x87 -> push(new Tuple(popN(3)));
                case 's' -> { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    dict(peek()).put(hashable(key), value);
                }
                case 'u' -> { // SETITEMS
                    List<Object> kv = popMark();
                    if (kv.size() % 2 != 0) {
                        throw new Invalid("SETITEMS with an odd number of values");
                    }
                    Map<Object, Object> d = dict(peek());
                    for (int i = 0; i < kv.size(); i += 2) {
                        d.put(hashable(kv.get(i)), kv.get(i + 1));
                    }
                }
                case 'a' -> { // APPEND
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> vs = popMark();
                    list(peek()).addAll(vs);
                }
                case 'q' -> memoPut(u8()); // BINPUT
                case 'r' -> memoPut(le(4)); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(le(4))); // LONG_BINGET
                case 'c' -> push(resolver.resolve(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw new Invalid("STACK_GLOBAL needs two strings, got " + describe(module) + " and " + describe(name));
                    }
                    push(resolver.resolve(m, n));
                }
                case 'R', 0x81 -> { // REDUCE, NEWOBJ: both are "call this allowed global with these args" here
                    Object args = pop();
                    Object callable = pop();
                    if (!(callable instanceof Global g)) {
                        throw new Invalid("call of a non-global " + describe(callable));
                    }
                    if (!(args instanceof Tuple t)) {
                        throw new Invalid("arguments to " + g + " are " + describe(args) + ", not a tuple");
                    }
                    push(resolver.call(g, t));
                }
                case 'b' -> { // BUILD: torch only sets the OrderedDict's _metadata attribute this way, which we do not need
                    Object state = pop();
                    Object target = peek();
                    if (!(target instanceof Map)) {
                        throw new Invalid("BUILD on " + describe(target) + " (only dicts accept state here)");
                    }
                    if (state != null && !(state instanceof Map) && !(state instanceof Tuple)) {
                        throw new Invalid("BUILD with state " + describe(state));
                    }
                }
                case 'Q' -> push(resolver.persistentLoad(pop())); // BINPERSID
                default -> throw new Invalid("unknown or unsupported pickle opcode 0x" + String.format("%02x", op));
            }
        }
    }

    // ---- stack ----

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) {
            throw new Invalid("pickle stack deeper than " + MAX_STACK);
        }
        stack.add(o);
    }

    private int floor() {
        return marks.isEmpty() ? 0 : marks.getLast();
    }

    private Object pop() {
        if (stack.size() <= floor()) {
            throw new Invalid("pickle stack underflow");
        }
        return stack.removeLast();
    }

    private Object peek() {
        if (stack.size() <= floor()) {
            throw new Invalid("pickle stack underflow");
        }
        return stack.getLast();
    }

    private List<Object> popN(int n) {
        if (stack.size() - floor() < n) {
            throw new Invalid("pickle stack underflow");
        }
        List<Object> top = stack.subList(stack.size() - n, stack.size());
        List<Object> out = new ArrayList<>(top);
        top.clear();
        return out;
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw new Invalid("no MARK on the pickle stack");
        }
        int m = marks.removeLast();
        List<Object> top = stack.subList(m, stack.size());
        List<Object> out = new ArrayList<>(top);
        top.clear();
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw new Invalid("SETITEM(S) on " + describe(o) + ", not a dict");
    }

    /** Dict keys are limited to atoms: a self-containing list as a key would recurse forever in hashCode. */
    private static Object hashable(Object key) {
        if (key == null || key instanceof String || key instanceof Long || key instanceof Boolean
                || key instanceof Double || key instanceof Global) {
            return key;
        }
        throw new Invalid("dict key " + describe(key) + " is not a string, number, bool or None");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw new Invalid("APPEND(S) on " + describe(o) + ", not a list");
    }

    private void memoPut(long key) {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(key)) {
            throw new Invalid("pickle memo larger than " + MAX_MEMO + " entries");
        }
        memo.put(key, peek());
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) {
            throw new Invalid("memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    // ---- raw input ----

    private void need(long n) {
        if (n > in.length - pos) {
            throw new Invalid("truncated pickle: need " + n + " bytes at byte " + pos + ", " + (in.length - pos) + " left");
        }
    }

    private int u8() {
        need(1);
        return in[pos++] & 0xFF;
    }

    /** Little-endian unsigned value of {@code n} (at most 8) bytes. */
    private long le(int n) {
        need(n);
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (in[pos + i] & 0xFFL) << (8 * i);
        }
        pos += n;
        return v;
    }

    private long be8() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (in[pos + i] & 0xFFL);
        }
        pos += 8;
        return v;
    }

    /** A length field, refused before any allocation when the stream cannot hold that many bytes. */
    private int length(long n) {
        if (n < 0 || n > in.length - pos) {
            throw new Invalid("truncated pickle: length " + Long.toUnsignedString(n) + " exceeds the "
                    + (in.length - pos) + " bytes left");
        }
        return (int) n;
    }

    /** Two's-complement little-endian integer (LONG1/LONG4); torch only writes these for values beyond 32 bits. */
    private long longN(int n) {
        length(n);
        if (n > 8) {
            throw new Invalid("integer of " + n + " bytes does not fit 64 bits");
        }
        if (n == 0) {
            return 0;
        }
        long v = le(n);
        int unused = 64 - 8 * n;
        return (v << unused) >> unused;
    }

    private String utf8(int n) {
        need(n);
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(in, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw new Invalid("string is not valid UTF-8");
        }
    }

    private String latin1(int n) {
        need(n);
        String s = new String(in, pos, n, StandardCharsets.ISO_8859_1);
        pos += n;
        return s;
    }

    /** A newline-terminated ASCII line (GLOBAL's module and name). */
    private String line() {
        int start = pos;
        int limit = Math.min(in.length, start + 1024);
        for (int i = start; i < limit; i++) {
            if (in[i] == '\n') {
                pos = i + 1;
                return new String(in, start, i - start, StandardCharsets.US_ASCII);
            }
        }
        throw new Invalid("truncated pickle: GLOBAL name without a newline");
    }

    static String describe(Object o) {
        return switch (o) {
            case null -> "None";
            case String s -> "string '" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "'";
            case Long l -> "int " + l;
            case Boolean b -> "bool " + b;
            case Double d -> "float " + d;
            case Tuple t -> "tuple of " + t.size();
            case List<?> l -> "list of " + l.size();
            case Map<?, ?> m -> "dict of " + m.size();
            case Global g -> "global " + g;
            default -> o.getClass().getSimpleName();
        };
    }
}
