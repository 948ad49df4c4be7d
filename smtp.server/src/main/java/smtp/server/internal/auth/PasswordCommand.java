package smtp.server.internal.auth;

import org.osgi.service.component.annotations.Component;

/** Gogo command {@code smtp:hashpassword <password>}: the hash to put in the users file. */
@Component(service = PasswordCommand.class,
        property = {"osgi.command.scope=smtp", "osgi.command.function=hashpassword"})
public final class PasswordCommand {

    public String hashpassword(String password) {
        return PasswordHash.hash(password.toCharArray());
    }
}
