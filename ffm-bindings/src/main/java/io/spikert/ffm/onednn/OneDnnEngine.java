package io.spikert.ffm.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * oneDNN's CPU engine and an in-order stream on it: what {@link OneDnnMatmul} primitives are created on and
 * run through, one at a time (execute is synchronized: concurrent OpenMP teams would oversubscribe the
 * cores). Needs oneDNN 3.x (the primitive API changed at 3.0; the 2.x BLAS-like GEMMs of
 * {@link OneDnnGemm} need no engine). Closing it destroys the stream and the engine; close the primitives first.
 */
public final class OneDnnEngine implements AutoCloseable {
    /** The 3.x primitive API this class and OneDnnMatmul call, checked before the first call. */
    private static final String[] PRIMITIVE_API = {"dnnl_engine_create", "dnnl_engine_destroy", "dnnl_stream_create",
        "dnnl_stream_wait", "dnnl_stream_destroy", "dnnl_memory_desc_create_with_strides", "dnnl_memory_desc_destroy",
        "dnnl_matmul_primitive_desc_create", "dnnl_primitive_desc_query", "dnnl_primitive_desc_destroy",
        "dnnl_primitive_create", "dnnl_primitive_execute", "dnnl_primitive_destroy", "dnnl_memory_create",
        "dnnl_memory_set_data_handle", "dnnl_memory_destroy"};

    private final OneDnnGemm library;
    private final MemorySegment engine;
    private final MemorySegment stream;
    private volatile boolean closed;

    private OneDnnEngine(OneDnnGemm library, MemorySegment engine, MemorySegment stream) {
        this.library = library;
        this.engine = engine;
        this.stream = stream;
    }

    /**
     * Creates the CPU engine and a stream of {@code library}.
     *
     * @throws OneDnnException for a oneDNN older than 3.0, naming it, or when the engine cannot be created
     */
    public static OneDnnEngine open(OneDnnGemm library) {
        if (!library.version().matches("([3-9]|\\d\\d+)\\..*")) {
            throw new OneDnnException(library.source() + " is oneDNN " + library.version()
                    + "; its matmul primitive is bound through the oneDNN 3.x API (3.0 or newer)");
        }
        for (String symbol : PRIMITIVE_API) {
            if (!library.has(symbol)) {
                throw new OneDnnException(library.source() + " (oneDNN " + library.version() + ") has no " + symbol);
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            OneDnnMatmul.check("dnnl_engine_create", OneDnn.dnnl_engine_create(out, OneDnn.dnnl_cpu(), 0));
            MemorySegment engine = out.get(ValueLayout.ADDRESS, 0);
            int status = OneDnn.dnnl_stream_create(out, engine, OneDnn.dnnl_stream_in_order());
            if (status != 0) {
                OneDnn.dnnl_engine_destroy(engine);
                OneDnnMatmul.check("dnnl_stream_create", status);
            }
            return new OneDnnEngine(library, engine, out.get(ValueLayout.ADDRESS, 0));
        }
    }

    /** The library this engine runs on. */
    public OneDnnGemm library() {
        return library;
    }

    MemorySegment engine() {
        return engine;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the oneDNN engine is closed");
        }
    }

    /** Runs {@code primitive} with {@code nargs} dnnl_exec_arg_t entries at {@code args}, and waits for it. */
    synchronized void execute(MemorySegment primitive, MemorySegment args, int nargs) {
        checkOpen();
        OneDnnMatmul.check("dnnl_primitive_execute", OneDnn.dnnl_primitive_execute(primitive, stream, nargs, args));
        OneDnnMatmul.check("dnnl_stream_wait", OneDnn.dnnl_stream_wait(stream));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        OneDnn.dnnl_stream_destroy(stream);
        OneDnn.dnnl_engine_destroy(engine);
    }

    @Override
    public String toString() {
        return "oneDNN CPU engine (" + library + ")";
    }
}
