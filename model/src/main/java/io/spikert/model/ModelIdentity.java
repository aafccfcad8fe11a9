package io.spikert.model;

import java.lang.reflect.RecordComponent;
import java.util.Objects;

/**
 * Which model a {@link SessionSnapshot} belongs to: where its weights came from (a checkpoint's folder, or one
 * model's in-memory weights), its variant and its config. A snapshot resumes only on a model of the same
 * identity: the state of other weights, or of another shape, means nothing there. Two loads of one folder share
 * an identity (on any backend), so a snapshot outlives a reload; a folder whose files were replaced in between
 * is not told apart.
 *
 * @param source the checkpoint's folder, absolute and normalised, or a name unique to one model's in-memory weights
 */
public record ModelIdentity(String source, ModelVariant variant, ModelConfig config) {
    public ModelIdentity {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(config, "config");
    }

    /** How {@code other} differs from this identity, naming the first difference; null when they are equal. */
    String difference(ModelIdentity other) {
        if (!source.equals(other.source)) {
            return "the weights of " + source + ", not of " + other.source;
        }
        if (variant != other.variant) {
            return "the " + variant + " variant, not " + other.variant;
        }
        for (RecordComponent c : ModelConfig.class.getRecordComponents()) {
            Object mine = value(c, config);
            Object theirs = value(c, other.config);
            if (!Objects.equals(mine, theirs)) {
                return "a config whose " + c.getName() + " is " + mine + ", not " + theirs;
            }
        }
        return null;
    }

    private static Object value(RecordComponent c, ModelConfig config) {
        try {
            return c.getAccessor().invoke(config);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("reading ModelConfig." + c.getName(), e);
        }
    }

    @Override
    public String toString() {
        return source + " (" + variant + ")";
    }
}
