package dev.calling.carrier.twilio;

/**
 * Twilio refused or did not answer a bridge, hangup or lookup. Thrown so that the command's queue
 * message is redelivered: those requests are idempotent (see {@link TwilioCarrier}), so trying again is safe.
 */
public final class TwilioApiException extends RuntimeException {
    public TwilioApiException(String message) {
        super(message);
    }

    public TwilioApiException(String message, Throwable cause) {
        super(message, cause);
    }
}
