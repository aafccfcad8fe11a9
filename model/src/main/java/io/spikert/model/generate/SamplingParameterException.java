package io.spikert.model.generate;

/**
 * A sampling value out of its range. {@link #parameter()} is the OpenAI request field it belongs to ({@code top_p},
 * {@code presence_penalty}, ...), so that a server can answer 400 naming the field and the CLI can name its flag;
 * {@link #problem()} says what is wrong without the name ("must be in (0, 1], got 1.5").
 */
public final class SamplingParameterException extends IllegalArgumentException {
    private final String parameter;
    private final String problem;

    public SamplingParameterException(String parameter, String problem) {
        super(parameter + " " + problem);
        this.parameter = parameter;
        this.problem = problem;
    }

    /** The OpenAI field name, e.g. {@code top_k}. */
    public String parameter() {
        return parameter;
    }

    /** What is wrong, without the field name. */
    public String problem() {
        return problem;
    }
}
