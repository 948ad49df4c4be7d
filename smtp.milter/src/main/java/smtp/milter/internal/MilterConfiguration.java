package smtp.milter.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
        id = Milter.FACTORY_PID,
        name = "SMTP milter",
        description = "A mail filter that speaks the Sendmail milter protocol (OpenDKIM, OpenDMARC, clamav-milter, "
                + "spamass-milter, rspamd), asked at every stage of each session. Several milters run in ranking order.")
@interface MilterConfiguration {

    @AttributeDefinition(name = "Name", description = "The milter's name, in replies, the log, events and the console.")
    String name();

    @AttributeDefinition(name = "Address", description = "Where the milter listens: inet:port@host, host:port or "
            + "unix:/path/to/socket.")
    String address();

    @AttributeDefinition(name = "Connect timeout", min = "1", description = "Milliseconds to connect to the milter.")
    int connectTimeout() default 5000;

    @AttributeDefinition(name = "Command timeout", min = "1",
            description = "Milliseconds the milter may take to answer one command.")
    int commandTimeout() default 30000;

    @AttributeDefinition(name = "End timeout", min = "1", description = "Milliseconds the milter may take to answer "
            + "the end of the message (each progress report starts the time again).")
    int endTimeout() default 300000;

    @AttributeDefinition(name = "On failure", description = "When the milter cannot be reached or fails in the middle "
            + "of a session: tempfail (451, at connect 421), accept (go on without it for the rest of the session) "
            + "or reject (550, at connect 554).",
            options = {@Option(label = "tempfail", value = "tempfail"), @Option(label = "accept", value = "accept"),
                    @Option(label = "reject", value = "reject")})
    String onFailure() default "tempfail";

    @AttributeDefinition(name = "Stages", description = "The stages of the session the milter is told about: CONNECT, "
            + "HELO, MAIL, RCPT, END_OF_MESSAGE. The milter's answers are taken at these stages only; what the protocol "
            + "needs before a stage it gets (the connection, HELO, MAIL, the recipients) it is told then.")
    String[] stages() default {"CONNECT", "HELO", "MAIL", "RCPT", "END_OF_MESSAGE"};

    @AttributeDefinition(name = "Connect macros", required = false, description = "Macros sent with the connection.")
    String[] connectMacros() default {"j", "{daemon_name}", "{daemon_addr}", "v", "_", "{client_addr}",
        "{client_port}", "{client_name}"};

    @AttributeDefinition(name = "HELO macros", required = false, description = "Macros sent with HELO.")
    String[] heloMacros() default {"{tls_version}", "{cipher}"};

    @AttributeDefinition(name = "MAIL macros", required = false, description = "Macros sent with MAIL FROM.")
    String[] mailMacros() default {"i", "{auth_type}", "{auth_authen}", "{mail_addr}", "{mail_host}", "{mail_mailer}"};

    @AttributeDefinition(name = "RCPT macros", required = false, description = "Macros sent with each RCPT TO.")
    String[] rcptMacros() default {"i", "{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}"};

    @AttributeDefinition(name = "End-of-message macros", required = false,
            description = "Macros sent with DATA and the end of the message.")
    String[] endMacros() default {"i"};

    @AttributeDefinition(name = "Reuse connections", description = "End a session with QUIT_NC and keep the connection "
            + "for the next one (protocol version 6). Only for milters that answer after QUIT_NC: OpenDKIM 2.11 of "
            + "Debian 12 does not, so it is off unless switched on.")
    boolean reuseConnections() default false;

    @AttributeDefinition(name = "Idle connections", min = "0",
            description = "With reuse: the most connections kept open between sessions.")
    int maxIdleConnections() default 8;

    @AttributeDefinition(name = "Ranking", description = "Milters and other policy plugins are asked highest ranking first.")
    int service_ranking() default 0;

    @AttributeDefinition(name = "Usage", required = false,
            description = "internal or external: ask the milter on bindings of that usage only. Empty: on both.")
    String[] smtp_policy_usage() default {};

    @AttributeDefinition(name = "Bindings", required = false,
            description = "Names of the bindings the milter is asked on. Empty: every binding.")
    String[] smtp_policy_bindings() default {};

    String webconsole_configurationFactory_nameHint() default "{name} ({address})";
}
