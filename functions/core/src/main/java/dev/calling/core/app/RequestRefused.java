package dev.calling.core.app;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** An app user's request that is refused, with a detail written for the app developer. Nothing was written. */
public final class RequestRefused extends RuntimeException {

    private final Refusal refusal;
    private final Optional<Duration> retryAfter;

    public RequestRefused(Refusal refusal, String detail) {
        this(refusal, detail, Optional.empty());
    }

    /** @param retryAfter when the same request may succeed (an HTTP Retry-After) */
    public RequestRefused(Refusal refusal, String detail, Optional<Duration> retryAfter) {
        super(detail);
        this.refusal = Objects.requireNonNull(refusal, "refusal");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public Refusal refusal() {
        return refusal;
    }

    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
