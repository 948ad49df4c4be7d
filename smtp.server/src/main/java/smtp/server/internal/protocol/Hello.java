package smtp.server.internal.protocol;

import java.io.IOException;
import java.util.regex.Pattern;

import smtp.server.spi.PolicyStage;

/**
 * HELO and EHLO: the client names itself, the session starts over, and EHLO
 * lists the extensions this session may use now.
 */
final class Hello {

    /**
     * A host name (letters, digits, hyphens and, as Windows hosts use them, underscores, in dot-separated labels)
     * or an address literal. Anything else, control characters above all, is refused at the command.
     */
    private static final Pattern NAME = Pattern.compile(
            "[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?|\\[[A-Za-z0-9.:]+\\]|\\[IPv6:[A-Fa-f0-9.:]+\\]");

    /** The names most clients give, checked without the regex. */
    private static final boolean[] NAME_TABLE = SmtpPath.table("_-");

    private Hello() {}

    static void helo(SmtpSession session, String args) throws IOException {
        String name = name(session, args, "HELO");
        if (name != null && hello(session, name, false)) {
            session.reply("250 " + session.context.hostName);
        }
    }

    static void ehlo(SmtpSession session, String args) throws IOException {
        String name = name(session, args, "EHLO");
        if (name == null || !hello(session, name, true)) {
            return;
        }
        StringBuilder reply = new StringBuilder(256).append("250-").append(session.context.hostName)
                .append("\r\n250-PIPELINING")
                .append("\r\n250-SIZE ").append(session.context.limits.maxMessageSize())
                .append("\r\n250-8BITMIME");
        if (StartTlsCommand.available(session)) {
            reply.append("\r\n250-STARTTLS");
        }
        if (AuthCommand.available(session)) {
            reply.append("\r\n250-AUTH ").append(AuthCommand.MECHANISMS);
        }
        reply.append("\r\n250-ENHANCEDSTATUSCODES")
                .append("\r\n250-SMTPUTF8")
                .append("\r\n250-CHUNKING")
                .append("\r\n250-BINARYMIME")
                .append("\r\n250-DSN");
        if (session.info.tls()) {
            reply.append("\r\n250-REQUIRETLS");
        }
        int last = reply.lastIndexOf("\r\n250-");
        reply.setCharAt(last + 5, ' ');
        session.reply(reply.toString());
    }

    /** @return whether the policy plugins let the client go on by that name; if not, the refusal is sent */
    private static boolean hello(SmtpSession session, String name, boolean extended) throws IOException {
        session.info.hello(name, extended);
        String refusal = session.policy(PolicyStage.HELO, null, null);
        if (refusal != null) {
            session.info.hello(null, false);
            session.reply(refusal);
            return false;
        }
        return true;
    }

    /** @return the client's name, the session reset; null (after the refusal) when the argument is no name */
    private static String name(SmtpSession session, String args, String verb) throws IOException {
        String name = args.strip();
        String dotless = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        boolean valid = SmtpPath.isDotAtom(dotless, NAME_TABLE, false) || NAME.matcher(name).matches();
        if (!valid || name.length() > 255) {
            session.badCommand("501 5.5.4 Syntax: " + verb + " hostname");
            return null;
        }
        session.transaction = null;
        return name;
    }
}
