package io.spikert.model.checkpoint;

import io.spikert.model.checkpoint.PickleReader.Tuple;
import io.spikert.model.checkpoint.TorchPickleResolver.TensorRef;
import io.spikert.runtime.DType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.spikert.model.checkpoint.CheckpointAssertions.assertCheckpointError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

class PickleReaderTest {
    private static Object read(PickleBytes p) throws CheckpointException {
        return PickleReader.read("test.pkl", p.bytes(), new TorchPickleResolver());
    }

    @Test
    void scalarsDecodeAsCPythonEncodesThem() throws Exception {
        // (-2, 65535, -1 as LONG1, 2^40 as LONG1, 1.5 as big-endian BINFLOAT, None, True, 'é')
        PickleBytes p = new PickleBytes().proto(2).mark()
                .op('J').le(-2, 4)
                .op('M').le(0xFFFF, 2)
                .op(0x8a, 1, 0xFF)
                .long1(1L << 40)
                .op('G', 0x3F, 0xF8, 0, 0, 0, 0, 0, 0)
                .op('N').op(0x88)
                .str("é").op('t').stop();
        Tuple t = assertInstanceOf(Tuple.class, read(p));
        assertEquals(List.of(-2L, 65535L, -1L, 1L << 40, 1.5), t.items().subList(0, 5));
        assertNull(t.get(5));
        assertEquals(true, t.get(6));
        assertEquals("é", t.get(7));
    }

    @Test
    void protocol4FramesMemoizeAndStackGlobal() throws Exception {
        // What torch.save(..., pickle_protocol=4) emits for {'w': tensor}: FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL.
        PickleBytes body = new PickleBytes();
        body.op('}').op(0x94)
                .op(0x8c, 1, 'w').op(0x94);
        shortStr(body, "torch._utils").op(0x94);
        shortStr(body, "_rebuild_tensor_v2").op(0x94).op(0x93).op(0x94);
        body.mark().mark();
        shortStr(body, "storage").op(0x94);
        shortStr(body, "torch").op(0x94);
        shortStr(body, "HalfStorage").op(0x94).op(0x93).op(0x94);
        shortStr(body, "0").op(0x94);
        shortStr(body, "cpu").op(0x94).op('K', 4).op('t').op(0x94).op('Q')
                .op('K', 0).op('K', 2).op('K', 2).op(0x86).op(0x94).op('K', 2).op('K', 1).op(0x86).op(0x94).op(0x89);
        shortStr(body, "collections").op(0x94);
        shortStr(body, "OrderedDict").op(0x94).op(0x93).op(0x94).op(')').op('R').op(0x94)
                .op('t').op(0x94).op('R').op(0x94).op('s').stop();
        byte[] b = body.bytes();
        PickleBytes p = new PickleBytes().proto(4).op(0x95).le(b.length, 8);
        for (byte x : b) {
            p.op(x & 0xFF);
        }
        Map<?, ?> dict = assertInstanceOf(Map.class, read(p));
        TensorRef t = assertInstanceOf(TensorRef.class, dict.get("w"));
        assertEquals(DType.F16, t.storage().dtype());
        assertEquals("0", t.storage().key());
        assertEquals(4, t.storage().numel());
        assertArrayEquals(new long[]{2, 2}, t.size());
        assertArrayEquals(new long[]{2, 1}, t.stride());
    }

    private static PickleBytes shortStr(PickleBytes p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.op(0x8c, b.length);
        for (byte x : b) {
            p.op(x & 0xFF);
        }
        return p;
    }

    @Test
    void errorsNameTheSourceTheOpcodeAndTheOffset() {
        assertCheckpointError(() -> read(new PickleBytes()), "test.pkl", "truncated pickle");
        assertCheckpointError(() -> read(new PickleBytes().proto(6)), "test.pkl", "protocol 6");
        assertCheckpointError(() -> read(new PickleBytes().proto(2).op('h', 7)), "test.pkl", "memo key 7", "at byte 2");
        assertCheckpointError(() -> read(new PickleBytes().proto(2).op('N').op('N').stop()), "values left on the stack");
        assertCheckpointError(() -> read(new PickleBytes().proto(2).op(0xFF)), "opcode 0xff", "at byte 2");
        assertCheckpointError(() -> read(new PickleBytes().proto(2).op(0x95).le(1000, 8).stop()), "frame of 1000 bytes");
        assertCheckpointError(() -> read(new PickleBytes().proto(2).op('c', 'o', 's')), "GLOBAL name without a newline");
        assertCheckpointError(() -> read(new PickleBytes().proto(2).op(0x8a, 9).le(0, 9).stop()), "does not fit 64 bits");
        assertCheckpointError(() -> read(new PickleBytes().proto(2).op(0x8c, 2, 0xC3, 0x28).stop()), "not valid UTF-8");
        // INST and OBJ, the pickle ways to instantiate arbitrary classes, are not in the subset at all.
        assertCheckpointError(() -> read(new PickleBytes().proto(2).op('i')), "opcode 0x69");
        assertCheckpointError(() -> read(new PickleBytes().proto(2).op('o')), "opcode 0x6f");
    }
}
