package smtp.queue.artemis.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        id = ArtemisStore.PID,
        name = "SMTP queue store: Apache Artemis",
        description = "Keeps the delivery queue in Apache Artemis: a broker embedded in this framework with a persistent "
                + "journal (no URL), or a remote broker, an HA pair or a cluster (URL). Instances that share a broker "
                + "share one queue.")
@interface ArtemisConfiguration {

    @AttributeDefinition(name = "Broker URL", required = false,
            description = "Empty: a broker embedded in this framework. Else the core URL of a remote broker, an HA pair or "
                    + "a cluster, such as (tcp://mq1:61616,tcp://mq2:61616)?ha=true; TLS with sslEnabled=true and "
                    + "trustStorePath, trustStorePassword, trustStoreType in the URL.")
    String url() default "";

    @AttributeDefinition(name = "User", required = false, description = "User name at the broker (remote brokers).")
    String user() default "";

    @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false,
            description = "Password at the broker.")
    String _password() default "";

    @AttributeDefinition(name = "Queue", description = "Name of the anycast queue (and its address) that holds the mail.")
    String queue() default "smtp.delivery";

    @AttributeDefinition(name = "Journal directory",
            description = "The embedded broker's data: journal, bindings, paging and large messages. Relative paths "
                    + "resolve against the working directory.")
    String journalDirectory() default "data/queue";

    @AttributeDefinition(name = "Broker configuration", required = false,
            description = "A broker.xml for the embedded broker instead of the built-in settings (for an HA member or "
                    + "cluster node embedded here). It must define the in-VM acceptor vm://0.")
    String brokerConfiguration() default "";

    @AttributeDefinition(name = "Acceptor", required = false,
            description = "A core URL, such as tcp://10.0.0.5:61616, on which the embedded broker also accepts other "
                    + "instances. Empty: this framework only.")
    String acceptor() default "";

    @AttributeDefinition(name = "Maximum queue size", min = "0",
            description = "Bytes the embedded broker's queue may hold; past it new mail gets 451 4.3.0. 0: no limit but "
                    + "the disk (messages past the memory limit are paged to disk).")
    long maxQueueSize() default 0;

    @AttributeDefinition(name = "Memory limit", min = "0",
            description = "Bytes of messages the embedded broker holds in memory for the queue; more is paged to disk. "
                    + "0: a sixteenth of the JVM's maximum heap, at most 32 MiB.")
    long memoryLimit() default 0;

    @AttributeDefinition(name = "In-flow delay", min = "0",
            description = "With the embedded broker: milliseconds a message may be held back before it is queued while "
                    + "more due messages wait than this instance has delivery workers. Senders then go at the pace of "
                    + "delivery, as with Postfix's in_flow_delay. 0: never held back.")
    int inFlowDelay() default 1000;

    @AttributeDefinition(name = "Large message size", min = "1024",
            description = "Messages of at least this many bytes are streamed to and from the broker in chunks and kept "
                    + "in files of their own; smaller ones travel whole and live in the journal.")
    int largeMessageSize() default 1024 * 1024;

    @AttributeDefinition(name = "Send timeout", min = "1",
            description = "Seconds to wait for the broker to confirm a message before the client gets 451.")
    int sendTimeout() default 30;

    @AttributeDefinition(name = "Failover wait", min = "0",
            description = "Seconds a message waits for the connection to the broker to come back (a failover to the "
                    + "backup, a reconnect) before the client gets 451.")
    int failoverWait() default 10;

    @AttributeDefinition(name = "Service ranking",
            description = "The delivery service uses the store of the highest ranking, unless its store.target names one.")
    int service_ranking() default 10;
}
