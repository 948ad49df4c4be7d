package smtp.server.spi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service properties of a {@link MessageScanner}, as a component property
 * type: annotate the scanner component with it. The same keys may be set by the
 * scanner's configuration, so that an operator can change the policy.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Scanner {

    /** Prefix of the property names: {@code smtp.scanner.}. */
    String PREFIX_ = "smtp.scanner.";

    /** Reject an infected message: 554 5.7.1 with the threat name; nothing is stored. */
    String REJECT = "reject";
    /** Keep an infected message in the quarantine folder, not delivered; the client is told 250. */
    String QUARANTINE = "quarantine";
    /** Deliver an infected message with an {@code X-Scan-Result} header added. */
    String TAG = "tag";
    /** When the scan fails: answer 451, so that the client tries again later. */
    String TEMPFAIL = "tempfail";
    /** When the scan fails: deliver the message all the same. */
    String ACCEPT = "accept";

    /** {@code smtp.scanner.name}: the scanner's name, in events and replies. */
    String name();

    /** {@code smtp.scanner.order}: scanners run in ascending order. */
    int order() default 100;

    /** {@code smtp.scanner.onInfected}: {@link #REJECT}, {@link #QUARANTINE} or {@link #TAG}. */
    String onInfected() default REJECT;

    /** {@code smtp.scanner.onFailure}: {@link #TEMPFAIL} or {@link #ACCEPT}. */
    String onFailure() default TEMPFAIL;
}
