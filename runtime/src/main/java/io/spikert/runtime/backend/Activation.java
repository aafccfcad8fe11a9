package io.spikert.runtime.backend;

/** What {@link Backend#biasAct} applies after the bias, by the code the device kernel takes. */
public enum Activation {
    NONE(0), RELU(1), LOG_SIGMOID(2);

    private final int code;

    Activation(int code) {
        this.code = code;
    }

    /** The {@code act} argument of the {@code bias_act} kernel. */
    public int code() {
        return code;
    }
}
