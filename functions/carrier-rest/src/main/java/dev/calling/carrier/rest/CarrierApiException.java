package dev.calling.carrier.rest;

/**
 * The carrier API refused or did not answer a bridge or hangup. Thrown so that the command's
 * queue message is redelivered: the commands are idempotent, so trying again is safe.
 */
public final class CarrierApiException extends RuntimeException {
    public CarrierApiException(String message) {
        super(message);
    }

    public CarrierApiException(String message, Throwable cause) {
        super(message, cause);
    }
}
