package smtp.server.internal.message;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import smtp.delivery.api.MailDelivery;
import smtp.delivery.api.RecipientStatus;
import smtp.server.internal.net.Network;
import smtp.server.internal.session.SessionInfo;
import smtp.server.internal.session.Usage;

/**
 * Which recipients a session may send to: local mailboxes that exist, and
 * other domains (relaying) for authenticated clients and for clients on an
 * Internal interface whose address is in the relay networks (all of them when
 * none are configured); on an intercepting binding, every recipient (the server
 * the client meant to reach decides, or delivery's route takes them). {@code <Postmaster>} without a domain (RFC 5321 4.5.1)
 * is the postmaster of the primary local domain.
 */
public final class RecipientPolicy {

    /**
     * @param address the recipient to add, when taken (the postmaster's full address for {@code <Postmaster>})
     * @param refusal the reply that refuses it, or null when it is taken
     * @param unknown whether it was refused as an unknown local recipient (counted against the session)
     */
    public record Verdict(String address, String refusal, boolean unknown) {}

    private final Supplier<MailDelivery> delivery;
    private final List<Network> relayNetworks;

    public RecipientPolicy(Supplier<MailDelivery> delivery, List<Network> relayNetworks) {
        this.delivery = delivery;
        this.relayNetworks = List.copyOf(relayNetworks);
    }

    /** @param printable the address as it may be shown in a reply */
    public Verdict check(String address, String printable, SessionInfo session) {
        MailDelivery delivery = this.delivery.get();
        if (delivery == null) {
            return new Verdict(null, "451 4.3.0 <" + printable + ">: mail delivery is unavailable, try again later", false);
        }
        String recipient = address;
        if (address.indexOf('@') < 0) {
            if (!address.toLowerCase(Locale.ROOT).equals("postmaster")) {
                return new Verdict(null, "501 5.1.3 <" + printable + ">: a recipient needs a domain", false);
            }
            recipient = delivery.postmaster();
            if (recipient == null) {
                return new Verdict(null, "550 5.1.1 <" + printable + ">: this server has no local domain", true);
            }
        }
        if (session.originalDestination() != null && session.toOriginal()) {
            // intercepted on its way to another server, which decides about its recipients
            return new Verdict(recipient, null, false);
        }
        RecipientStatus status = delivery.checkRecipient(recipient);
        if (status == RecipientStatus.UNKNOWN) {
            return new Verdict(null, "550 5.1.1 <" + printable + ">: recipient address rejected: user unknown", true);
        }
        if (status == RecipientStatus.REMOTE && !mayRelay(session)) {
            return new Verdict(null, "550 5.7.1 <" + printable + ">: relay access denied", false);
        }
        return new Verdict(recipient, null, false);
    }

    private boolean mayRelay(SessionInfo session) {
        if (session.user() != null || session.originalDestination() != null) {
            return true;
        }
        if (session.usage != Usage.INTERNAL) {
            return false;
        }
        return relayNetworks.isEmpty() || Network.anyContains(relayNetworks, session.client().getAddress());
    }
}
