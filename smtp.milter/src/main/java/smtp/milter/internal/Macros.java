package smtp.milter.internal;

import smtp.server.spi.PolicyFacts;

/** The values of the Sendmail macros milters ask for, from the facts of the session. */
final class Macros {

    private Macros() {}

    /** @return the macro's value now, or null when it has none (it is then not sent) */
    static String value(String name, PolicyFacts facts) {
        String bare = name.startsWith("{") && name.endsWith("}") ? name.substring(1, name.length() - 1) : name;
        return switch (bare) {
            case "j" -> facts.serverName;
            case "daemon_name" -> facts.binding;
            case "daemon_addr", "if_addr" -> facts.localAddress;
            case "daemon_port" -> Integer.toString(facts.localPort);
            case "v" -> "SMTP Suite";
            case "_" -> "[" + facts.clientAddress + "] ([" + facts.clientAddress + "])";
            case "client_addr" -> facts.clientAddress;
            case "client_port" -> Integer.toString(facts.clientPort);
            case "client_name", "client_ptr" -> "[" + facts.clientAddress + "]";
            case "tls_version" -> facts.tlsCipher == null ? null : facts.tlsCipher.split(" ")[0];
            case "cipher" -> facts.tlsCipher == null || !facts.tlsCipher.contains(" ") ? null
                    : facts.tlsCipher.substring(facts.tlsCipher.indexOf(' ') + 1);
            case "i" -> facts.queueId;
            case "auth_type" -> facts.authenticatedUser == null ? null : "PLAIN";
            case "auth_authen" -> facts.authenticatedUser;
            case "mail_addr" -> facts.sender;
            case "mail_host" -> domain(facts.sender);
            case "mail_mailer" -> facts.sender == null ? null : "smtp";
            case "rcpt_addr" -> facts.recipient;
            case "rcpt_host" -> domain(facts.recipient);
            case "rcpt_mailer" -> facts.recipient == null ? null : "smtp";
            default -> null;
        };
    }

    private static String domain(String address) {
        int at = address == null ? -1 : address.lastIndexOf('@');
        return at < 0 ? null : address.substring(at + 1);
    }
}
