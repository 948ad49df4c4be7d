package smtp.server.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service that checks SMTP AUTH credentials. A vendor bundle can
 * register one for LDAP, a database or any other store; the suite ships a
 * users file. The listener offers AUTH only while at least one authenticator is
 * registered, asks them in order of service ranking, and takes the first
 * answer that is not {@code null}.
 * <p>
 * Calls come from session threads, concurrently. An implementation must not
 * keep the password, and should take the same time for an unknown user as for
 * a wrong password.
 */
@ConsumerType
public interface Authenticator {

    /**
     * @param user the user name the client gave
     * @param password the password the client gave; the caller clears it afterwards
     * @return the name the user is known by (recorded in Received headers, events
     *         and the envelope), or {@code null} if these credentials are not valid here
     */
    String authenticate(String user, char[] password);
}
