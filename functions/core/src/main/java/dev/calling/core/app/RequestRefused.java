package dev.calling.core.app;

import java.util.Objects;

/** An app user's request that is refused, with a detail written for the app developer. Nothing was written. */
public final class RequestRefused extends RuntimeException {

    private final Refusal refusal;

    public RequestRefused(Refusal refusal, String detail) {
        super(detail);
        this.refusal = Objects.requireNonNull(refusal, "refusal");
    }

    public Refusal refusal() {
        return refusal;
    }
}
