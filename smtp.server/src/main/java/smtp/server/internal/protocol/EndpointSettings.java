package smtp.server.internal;

/**
 * What one listening endpoint does, beyond its address and port.
 *
 * @param usage whether the address is Internal or External (decides relaying)
 * @param tlsMode how the endpoint uses TLS
 * @param tlsProfile the name of the TLS profile it uses (for STARTTLS and implicit TLS)
 * @param requireTls whether MAIL is refused before STARTTLS (STARTTLS mode)
 * @param lineEndings what happens to messages with bare CR or LF
 * @param requireAuth whether MAIL is refused before AUTH
 * @param authWithoutTls whether AUTH is offered without TLS (loopback addresses only)
 */
record EndpointSettings(Usage usage, TlsMode tlsMode, String tlsProfile, boolean requireTls,
        DataReader.LineEndings lineEndings, boolean requireAuth, boolean authWithoutTls) {

    @Override
    public String toString() {
        return usage + " interface" + (tlsMode == TlsMode.NONE ? "" : ", " + tlsMode + " TLS with profile '" + tlsProfile + "'"
                + (requireTls ? ", TLS required" : ""))
                + (lineEndings == DataReader.LineEndings.NORMALISE ? ", bare line endings normalised" : "")
                + (requireAuth ? ", AUTH required" : "") + (authWithoutTls ? ", AUTH without TLS" : "");
    }
}
