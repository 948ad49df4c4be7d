package smtp.server.internal.message;

/** The message is refused; the exception carries the whole reply ("554 5.7.1 ..."). */
final class Refusal extends Exception {

    private static final long serialVersionUID = 1L;

    Refusal(String reply) {
        super(reply, null, false, false);
    }

    String reply() {
        return getMessage();
    }
}
