package smtp.server.internal;

/**
 * What one listening endpoint does, beyond its address and port.
 *
 * @param usage whether the address is Internal or External (decides relaying)
 * @param tlsMode how the endpoint uses TLS
 * @param tlsProfile the name of the TLS profile it uses (for STARTTLS and implicit TLS)
 * @param requireTls whether MAIL is refused before STARTTLS (STARTTLS mode)
 */
record EndpointSettings(Usage usage, TlsMode tlsMode, String tlsProfile, boolean requireTls) {

    static EndpointSettings plain(Usage usage) {
        return new EndpointSettings(usage, TlsMode.NONE, null, false);
    }

    @Override
    public String toString() {
        return usage + " interface" + (tlsMode == TlsMode.NONE ? "" : ", " + tlsMode + " TLS with profile '" + tlsProfile + "'"
                + (requireTls ? ", TLS required" : ""));
    }
}
