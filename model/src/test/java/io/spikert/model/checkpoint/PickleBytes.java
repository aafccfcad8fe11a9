package io.spikert.model.checkpoint;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Emits pickle opcodes the way CPython's protocol-2 pickler does: every string, tuple, global and
 * container is followed by BINPUT, and a global or interned string seen before becomes BINGET.
 */
final class PickleBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, Integer> memo = new HashMap<>();
    private int nextMemo;

    PickleBytes op(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleBytes proto(int v) {
        return op(0x80, v);
    }

    PickleBytes mark() {
        return op('(');
    }

    PickleBytes stop() {
        return op('.');
    }

    /** BINPUT with the next memo index (indices above 255 use LONG_BINPUT, as CPython does). */
    PickleBytes put() {
        int i = nextMemo++;
        if (i < 256) {
            return op('q', i);
        }
        op('r');
        return le(i, 4);
    }

    private PickleBytes get(int i) {
        if (i < 256) {
            return op('h', i);
        }
        op('j');
        return le(i, 4);
    }

    PickleBytes le(long v, int n) {
        for (int k = 0; k < n; k++) {
            out.write((int) (v >>> (8 * k)) & 0xFF);
        }
        return this;
    }

    PickleBytes global(String module, String name) {
        Integer seen = memo.get("G " + module + "." + name);
        if (seen != null) {
            return get(seen);
        }
        memo.put("G " + module + "." + name, nextMemo);
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return put();
    }

    /** A fresh str object: BINUNICODE then BINPUT. */
    PickleBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        le(b.length, 4);
        out.writeBytes(b);
        return put();
    }

    /** A string literal CPython interns ('storage', 'cpu'), so its second use is a BINGET. */
    PickleBytes internedStr(String s) {
        Integer seen = memo.get("S " + s);
        if (seen != null) {
            return get(seen);
        }
        memo.put("S " + s, nextMemo);
        return str(s);
    }

    /** CPython's save_long for protocol >= 2. */
    PickleBytes integer(long v) {
        if (v >= 0 && v <= 0xFF) {
            return op('K', (int) v);
        }
        if (v >= 0 && v <= 0xFFFF) {
            op('M');
            return le(v, 2);
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            return le(v, 4);
        }
        return long1(v);
    }

    /** LONG1: minimal two's-complement little-endian bytes. */
    PickleBytes long1(long v) {
        int n = 1;
        while (n < 8 && (v >> (8 * n - 1)) != 0 && (v >> (8 * n - 1)) != -1) {
            n++;
        }
        op(0x8a, n);
        return le(v, n);
    }

    /** A tuple of ints as CPython writes it: (), TUPLE1..3, or MARK ... TUPLE, memoized unless empty. */
    PickleBytes intTuple(long... values) {
        if (values.length == 0) {
            return op(')');
        }
        if (values.length > 3) {
            mark();
        }
        for (long v : values) {
            integer(v);
        }
        op(values.length > 3 ? 't' : 0x84 + values.length);
        return put();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
