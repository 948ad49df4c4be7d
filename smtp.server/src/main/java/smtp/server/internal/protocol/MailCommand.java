package smtp.server.internal.protocol;

import java.io.IOException;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;

import smtp.server.internal.message.MailTransaction;
import smtp.server.spi.PolicyStage;

/**
 * MAIL FROM: starts a transaction, after checking the session's state, the
 * path and the parameters: SIZE (RFC 1870), BODY (RFC 6152, RFC 3030),
 * SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461), REQUIRETLS (RFC 8689) and AUTH
 * (RFC 4954, taken and ignored).
 */
final class MailCommand {

    private MailCommand() {}

    static void run(SmtpSession session, String args) throws IOException {
        ServerContext context = session.context;
        if (session.info.heloName() == null) {
            session.badCommand("503 5.5.1 Error: send HELO/EHLO first");
            return;
        }
        if (session.settings.requireTls() && !session.info.tls()) {
            session.reply("530 5.7.0 Must issue a STARTTLS command first");
            return;
        }
        if (session.info.messages() >= context.limits.maxMessagesPerConnection()) {
            session.reply("421 4.7.0 " + context.hostName + " Error: too many messages in this connection, closing it");
            session.quit = true;
            return;
        }
        if (session.settings.requireAuth() && session.info.user() == null) {
            session.reply("530 5.7.0 Authentication required");
            return;
        }
        if (session.transaction != null) {
            session.badCommand("503 5.5.1 Error: nested MAIL command");
            return;
        }
        if (!args.regionMatches(true, 0, "FROM:", 0, 5)) {
            session.badCommand("501 5.5.4 Syntax: MAIL FROM:<address>");
            return;
        }
        SmtpPath path = SmtpPath.parse(args.substring(5), true); // whether UTF-8 may be in it, its parameters say
        if (path.problem != null) {
            session.badCommand("501 5.1.7 Bad sender address syntax");
            return;
        }
        Map<String, String> parameters = Parameters.parse(path.parameters);
        if (parameters == null) {
            session.badCommand("501 5.5.4 Syntax error in the parameters");
            return;
        }
        MailTransaction mail = new MailTransaction(path.address);
        mail.parameters = Collections.unmodifiableMap(parameters);
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            String refusal = take(session, mail, parameter.getKey(), parameter.getValue());
            if (refusal != null) {
                if (refusal.startsWith("5")) {
                    session.badCommand(refusal);
                } else {
                    session.reply(refusal);
                }
                return;
            }
        }
        if (!mail.smtputf8 && !SmtpPath.isAscii(path.address)) {
            session.reply("553 5.6.7 A UTF-8 sender address needs the SMTPUTF8 parameter");
            return;
        }
        if (mail.declaredSize > context.limits.maxMessageSize()) {
            session.reply("552 5.3.4 Message size exceeds fixed maximum message size of "
                    + context.limits.maxMessageSize() + " bytes");
            return;
        }
        mail.headers.addAll(session.sessionHeaders);
        mail.quarantine = session.sessionQuarantine;
        mail.discard = session.sessionDiscard;
        String refusal = session.policy(PolicyStage.MAIL, mail, null);
        if (refusal != null) {
            session.reply(refusal);
            return;
        }
        session.transaction = mail;
        session.reply("250 2.1.0 Ok");
    }

    /** @return null when the parameter is taken, else the refusal */
    private static String take(SmtpSession session, MailTransaction mail, String keyword, String value) {
        switch (keyword) {
            case "SIZE" -> {
                if (value == null || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    return "501 5.5.4 Syntax: SIZE=<number of bytes>";
                }
                mail.declaredSize = value.length() > 15 ? Long.MAX_VALUE : Long.parseLong(value);
            }
            case "BODY" -> {
                String body = value == null ? "" : value.toUpperCase(Locale.ROOT);
                if (!body.equals("7BIT") && !body.equals("8BITMIME") && !body.equals("BINARYMIME")) {
                    return "501 5.5.4 Syntax: BODY=7BIT, BODY=8BITMIME or BODY=BINARYMIME";
                }
                mail.body = body;
            }
            case "SMTPUTF8" -> {
                if (value != null) {
                    return "501 5.5.4 Syntax: SMTPUTF8 takes no value";
                }
                mail.smtputf8 = true;
            }
            case "RET" -> {
                String ret = value == null ? "" : value.toUpperCase(Locale.ROOT);
                if (!ret.equals("FULL") && !ret.equals("HDRS")) {
                    return "501 5.5.4 Syntax: RET=FULL or RET=HDRS";
                }
                mail.ret = ret;
            }
            case "ENVID" -> {
                if (value == null || value.length() > 100 || !Parameters.isXtext(value)) {
                    return "501 5.5.4 Syntax: ENVID=<xtext of at most 100 characters>";
                }
                mail.envid = value;
            }
            case "REQUIRETLS" -> {
                if (!session.info.tls()) {
                    return "530 5.7.10 REQUIRETLS needs a TLS session: send STARTTLS first";
                }
                if (value != null) {
                    return "501 5.5.4 Syntax: REQUIRETLS takes no value";
                }
                mail.requireTls = true;
            }
            case "AUTH" -> {
                // RFC 4954 5: the identity a relaying client vouches for; this server trusts its own AUTH only
            }
            default -> {
                return "555 5.5.4 Unsupported option: " + Printable.of(keyword);
            }
        }
        return null;
    }
}
