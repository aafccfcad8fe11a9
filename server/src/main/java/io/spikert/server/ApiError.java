package io.spikert.server;

/**
 * A request the server refuses or cannot finish, answered with an OpenAI-shaped error object
 * ({@code {"error": {"message", "type", "param", "code"}}}) and an HTTP status. The message names the field,
 * header or limit at fault; it never carries a stack trace.
 */
public final class ApiError extends Exception {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiError(int status, String type, String param, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: a malformed or invalid request; {@code param} names the field (or null). */
    public static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** The request field at fault, or null. */
    public String param() {
        return param;
    }

    /** A machine-readable code (as OpenAI's "invalid_api_key"), or null. */
    public String code() {
        return code;
    }
}
