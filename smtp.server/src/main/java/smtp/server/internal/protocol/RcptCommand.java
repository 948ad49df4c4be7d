package smtp.server.internal.protocol;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;

import smtp.server.internal.message.MailTransaction;
import smtp.server.internal.message.RecipientPolicy;
import smtp.server.spi.PolicyStage;

/**
 * RCPT TO: adds a recipient, within the limit and the recipient policy, with
 * its DSN parameters NOTIFY and ORCPT (RFC 3461). An unknown local recipient
 * counts against the session like a bad command.
 */
final class RcptCommand {

    private RcptCommand() {}

    static void run(SmtpSession session, String args) throws IOException {
        MailTransaction mail = session.transaction;
        if (mail == null) {
            session.badCommand("503 5.5.1 Error: need MAIL command");
            return;
        }
        mail.rcptGiven = true;
        if (mail.recipients().size() >= session.context.limits.maxRecipients()) {
            session.reply("452 4.5.3 Error: too many recipients");
            return;
        }
        if (!args.regionMatches(true, 0, "TO:", 0, 3)) {
            session.badCommand("501 5.5.4 Syntax: RCPT TO:<address>");
            return;
        }
        SmtpPath path = SmtpPath.parse(args.substring(3), mail.smtputf8);
        if (path.problem == SmtpPath.Problem.NEEDS_SMTPUTF8) {
            session.reply("553 5.6.7 A UTF-8 recipient address needs the SMTPUTF8 parameter of MAIL");
            return;
        }
        if (path.problem != null || path.address.isEmpty()) {
            session.badCommand("501 5.1.3 Bad recipient address syntax");
            return;
        }
        Map<String, String> parameters = Parameters.parse(path.parameters);
        if (parameters == null) {
            session.badCommand("501 5.5.4 Syntax error in the parameters");
            return;
        }
        String notify = null;
        String orcpt = null;
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            String value = parameter.getValue();
            switch (parameter.getKey()) {
                case "NOTIFY" -> {
                    notify = notify(value);
                    if (notify == null) {
                        session.badCommand("501 5.5.4 Syntax: NOTIFY=NEVER or NOTIFY= some of SUCCESS,FAILURE,DELAY");
                        return;
                    }
                }
                case "ORCPT" -> {
                    int semicolon = value == null ? -1 : value.indexOf(';');
                    if (semicolon <= 0 || value.length() > 500 || !Parameters.isXtext(value.substring(semicolon + 1))) {
                        session.badCommand("501 5.5.4 Syntax: ORCPT=<address type>;<xtext address>");
                        return;
                    }
                    orcpt = value;
                }
                default -> {
                    session.badCommand("555 5.5.4 Unsupported option: " + Printable.of(parameter.getKey()));
                    return;
                }
            }
        }
        RecipientPolicy.Verdict verdict = session.context.recipients.check(path.address, Printable.of(path.address),
                session.info);
        if (verdict.refusal() != null) {
            if (verdict.unknown()) {
                session.unknownRecipient(verdict.refusal());
            } else {
                session.reply(verdict.refusal());
            }
            return;
        }
        String refusal = session.policy(PolicyStage.RCPT, mail, verdict.address());
        if (refusal != null) {
            session.reply(refusal);
            return;
        }
        mail.add(new MailTransaction.Recipient(verdict.address(), notify, orcpt));
        session.reply("250 2.1.5 Ok");
    }

    /** @return the NOTIFY value in upper case, or null when it is not one (NEVER alone, or a list of the others) */
    static String notify(String value) {
        if (value == null) {
            return null;
        }
        String upper = value.toUpperCase(Locale.ROOT);
        if (upper.equals("NEVER")) {
            return upper;
        }
        String[] words = upper.split(",", -1);
        for (int i = 0; i < words.length; i++) {
            if (!words[i].equals("SUCCESS") && !words[i].equals("FAILURE") && !words[i].equals("DELAY")) {
                return null;
            }
            for (int j = 0; j < i; j++) {
                if (words[j].equals(words[i])) {
                    return null;
                }
            }
        }
        return upper;
    }
}
