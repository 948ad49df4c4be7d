package smtp.tls.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        id = ConfiguredProfile.FACTORY_PID,
        name = "SMTP TLS profile",
        description = "A certificate and key for TLS bindings, from PEM files or a PKCS#12 keystore. "
                + "The files are watched: a changed certificate is used for new connections without a restart.")
@interface ProfileConfiguration {

    @AttributeDefinition(name = "Name", description = "The name SMTP bindings select this profile by (tlsProfile). "
            + "A profile named 'default' replaces the self-signed default.")
    String name() default "default";

    @AttributeDefinition(name = "Certificate file", required = false,
            description = "PEM file with the certificate and its chain, server certificate first (for example fullchain.pem).")
    String certificateFile() default "";

    @AttributeDefinition(name = "Key file", required = false,
            description = "PEM file with the unencrypted private key (for example privkey.pem); keep it mode 600.")
    String keyFile() default "";

    @AttributeDefinition(name = "PKCS#12 keystore", required = false,
            description = "A PKCS#12 file with key and chain, instead of the two PEM files.")
    String keyStoreFile() default "";

    @AttributeDefinition(name = "Keystore password", type = AttributeType.PASSWORD, required = false,
            description = "Password of the PKCS#12 keystore.")
    String _keyStorePassword() default "";

    @AttributeDefinition(name = "Protocols", description = "TLS versions accepted.")
    String[] protocols() default {"TLSv1.3", "TLSv1.2"};

    @AttributeDefinition(name = "Cipher suites",
            description = "Cipher suites accepted, in order of preference; suites this JDK lacks are skipped.")
    String[] cipherSuites() default {
        "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"};

    @AttributeDefinition(name = "Reload check interval", min = "1",
            description = "Seconds between checks of the files for changes.")
    int reloadInterval() default 10;

    String webconsole_configurationFactory_nameHint() default "TLS profile {name}";
}
