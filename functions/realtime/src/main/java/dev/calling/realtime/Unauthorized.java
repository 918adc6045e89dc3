package dev.calling.realtime;

/**
 * Thrown by {@link RealtimeAuthorizer} to refuse a connection: a Lambda authorizer whose error
 * message is exactly {@code Unauthorized} makes API Gateway answer 401 (any other failure is a
 * 500). No stack trace: it is an answer, not a fault (why is logged before it is thrown).
 */
public final class Unauthorized extends RuntimeException {
    public Unauthorized() {
        super("Unauthorized", null, false, false);
    }
}
