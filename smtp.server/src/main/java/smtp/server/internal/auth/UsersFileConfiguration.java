package smtp.server.internal.auth;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        id = UsersFile.PID,
        name = "SMTP AUTH users file",
        description = "Users allowed to authenticate (SMTP AUTH), from a file of user:hash lines. "
                + "Make a hash with the Gogo command smtp:hashpassword.")
@interface UsersFileConfiguration {

    @AttributeDefinition(name = "File", description = "Path of the users file; relative paths resolve against the working directory.")
    String file();

    @AttributeDefinition(name = "Reload check interval", min = "1", description = "Seconds between checks of the file for changes.")
    int reloadInterval() default 10;
}
