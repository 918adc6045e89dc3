package dev.calling.carrier.rest;

import java.util.Objects;

/**
 * How we name a carrier call to the carrier: {@code <callId>:<attempt>}. It is the dial's
 * {@code Idempotency-Key} (so a repeated dial of the same attempt never places a second call) and
 * comes back in every status callback, so a callback names its attempt even when it arrives before
 * the dial's HTTP reply told us the carrier's own call id.
 */
public record ClientReference(String callId, int attempt) {

    public ClientReference {
        if (callId == null || callId.isBlank()) {
            throw new IllegalArgumentException("callId is required");
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1: " + attempt);
        }
    }

    /** Reads {@code <callId>:<attempt>}; the call id may itself contain colons, the attempt is after the last one. */
    public static ClientReference parse(String text) {
        Objects.requireNonNull(text, "clientReference");
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("clientReference is not <callId>:<attempt>: " + text);
        }
        try {
            return new ClientReference(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("clientReference has no attempt number: " + text, e);
        }
    }

    @Override
    public String toString() {
        return callId + ":" + attempt;
    }
}
