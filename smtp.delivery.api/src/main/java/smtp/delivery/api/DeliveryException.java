package smtp.delivery.api;

/**
 * Thrown when a message cannot be taken for delivery. It says whether trying
 * again later may succeed ({@linkplain #isPermanent() temporary}: an SMTP server
 * answers 4xx) or never will (permanent: 5xx).
 */
public class DeliveryException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean permanent;

    /**
     * @param message what went wrong, fit to be shown to an SMTP client
     * @param permanent {@code true} if retrying cannot succeed
     * @param cause the underlying failure, or {@code null}
     */
    public DeliveryException(String message, boolean permanent, Throwable cause) {
        super(message, cause);
        this.permanent = permanent;
    }

    /**
     * @param message what went wrong, fit to be shown to an SMTP client
     * @param permanent {@code true} if retrying cannot succeed
     */
    public DeliveryException(String message, boolean permanent) {
        this(message, permanent, null);
    }

    /** @return {@code true} if retrying cannot succeed, {@code false} if a later try may */
    public boolean isPermanent() {
        return permanent;
    }
}
