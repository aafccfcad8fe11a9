package io.spikert.ffm;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a binding (function descriptor, wrapper or constant) whose C signature or value could not be
 * checked against the vendor's header on the machine the bindings were written on. Kept at run time
 * so tests can tell checked from unchecked bindings and the documentation can list them.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.FIELD})
public @interface NotHeaderChecked {
    /** Where the signature came from instead, and which header is missing. */
    String value();
}
