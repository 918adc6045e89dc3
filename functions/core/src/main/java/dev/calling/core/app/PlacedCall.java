package dev.calling.core.app;

import dev.calling.core.call.CallEvent.CallRequested;
import java.time.Instant;
import java.util.Objects;

/**
 * A call placed through the call API, kept so that a retry with the same Idempotency-Key finds it:
 * the {@code request} exactly as first sent to the call state manager, and the {@code fingerprint}
 * of what the app asked for, to tell a retry from a different request reusing the key.
 */
public record PlacedCall(CallRequested request, String fingerprint, Instant expiresAt) {

    public PlacedCall {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    public String callId() {
        return request.callId();
    }
}
