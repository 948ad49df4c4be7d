package smtp.server.spi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service properties of a {@link PolicyPlugin}, as a component property
 * type: annotate the plugin component with it. The same keys may be set by the
 * plugin's configuration, so that an operator can change them; the plugin's
 * place in the order is the standard {@code service.ranking} (highest first).
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Policy {

    /** Prefix of the property names: {@code smtp.policy.}. */
    String PREFIX_ = "smtp.policy.";

    /** On failure: refuse for now (451 4.7.1, at connect 421 4.7.1): fail closed, the client tries again later. */
    String TEMPFAIL = "tempfail";
    /** On failure: go on as if the plugin had said continue: fail open. */
    String CONTINUE = "continue";
    /** On failure: refuse (550 5.7.1, at connect 554 5.7.1): fail closed for good. */
    String REJECT = "reject";

    /** Usage of a binding's address: Internal. */
    String INTERNAL = "internal";
    /** Usage of a binding's address: External (Internet-facing). */
    String EXTERNAL = "external";

    /** {@code smtp.policy.name}: the plugin's name, in events, the log and the console. */
    String name();

    /** {@code smtp.policy.stages}: the stages the plugin is asked at (names of {@link PolicyStage}). */
    PolicyStage[] stages() default {PolicyStage.CONNECT, PolicyStage.HELO, PolicyStage.AUTH, PolicyStage.MAIL,
            PolicyStage.RCPT, PolicyStage.END_OF_MESSAGE};

    /** {@code smtp.policy.timeout}: milliseconds the session waits for an answer before the call counts as failed. */
    long timeout() default 5000;

    /** {@code smtp.policy.onFailure}: {@link #TEMPFAIL}, {@link #CONTINUE} or {@link #REJECT}. */
    String onFailure() default TEMPFAIL;

    /** {@code smtp.policy.bindings}: names of the bindings the plugin is asked on; empty for every binding. */
    String[] bindings() default {};

    /** {@code smtp.policy.usage}: {@link #INTERNAL} or {@link #EXTERNAL} to ask the plugin on one usage only; empty for both. */
    String[] usage() default {};
}
