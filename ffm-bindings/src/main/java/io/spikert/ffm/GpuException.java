package io.spikert.ffm;

/** A vendor call returned an error code; the message names the call, the code and the vendor's text. */
public final class GpuException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Vendor vendor;
    private final String call;
    private final int code;
    private final String errorName;

    public GpuException(Vendor vendor, String call, int code, String errorName, String description) {
        super(call + " failed: " + errorName + " (" + code + "): " + description);
        this.vendor = vendor;
        this.call = call;
        this.code = code;
        this.errorName = errorName;
    }

    public Vendor vendor() {
        return vendor;
    }

    /** The C function (and what it was asked for) that failed. */
    public String call() {
        return call;
    }

    /** The vendor's numeric status (CUresult, mcError_t, cublasStatus_t, ...). */
    public int code() {
        return code;
    }

    /** The status's symbolic name, e.g. CUDA_ERROR_OUT_OF_MEMORY. */
    public String errorName() {
        return errorName;
    }
}
