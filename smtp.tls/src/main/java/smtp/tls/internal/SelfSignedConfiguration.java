package smtp.tls.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        id = SelfSignedProfile.PID,
        name = "SMTP TLS self-signed default",
        description = "The 'default' TLS profile used until a real one is configured: a self-signed certificate, "
                + "generated once and kept on disk.")
@interface SelfSignedConfiguration {

    @AttributeDefinition(name = "Directory",
            description = "Where the generated certificate and key are kept. Relative paths resolve against the working directory.")
    String directory() default "data/tls";

    @AttributeDefinition(name = "Host name", description = "Name in the certificate; empty means this machine's name.")
    String hostName() default "";
}
