package smtp.server.spi;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.dto.DTO;

/** The verdict of one policy plugin at one stage of a session, as {@link SessionListener}s see it. */
@ProviderType
public class PolicyResultDTO extends DTO {

    /** Name of the plugin. */
    public String policy;

    /** The stage, a {@link PolicyStage} name. */
    public String stage;

    /** What the session did, a {@link PolicyVerdict.Action} name: the plugin's answer, or its failure policy's. */
    public String action;

    /** The reply the client was given ({@code 550 5.7.1 ...}) when the verdict refused; else {@code null}. */
    public String reply;

    /** Why the plugin failed (threw, gave no answer, timed out) when it did; else {@code null}. */
    public String failure;

    /** Header fields the verdict added. */
    public String[] headers = new String[0];

    /** How long the plugin took to answer, in milliseconds. */
    public long durationMillis;

    /** The reverse path, once MAIL was given; else {@code null}. */
    public String sender;

    /** At RCPT: the recipient; else {@code null}. */
    public String recipient;

    /** At the end of the message: its queue id; else {@code null}. */
    public String queueId;
}
