package smtp.queue.spool.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        id = SpoolStore.PID,
        name = "SMTP queue store: file spool",
        description = "Keeps the delivery queue as files in a local directory: two files per message, forced to disk "
                + "before the 250. For a single instance with no broker.")
@interface SpoolConfiguration {

    @AttributeDefinition(name = "Directory",
            description = "Where queued messages are kept. Relative paths resolve against the working directory.")
    String directory() default "data/spool";

    @AttributeDefinition(name = "Service ranking",
            description = "The delivery service uses the store of the highest ranking, unless its store.target names one.")
    int service_ranking() default 0;
}
