package dev.calling.adapters.auth;

import java.util.Objects;

/**
 * A token that does not prove who the caller is. The message says why and never contains the
 * token, so it is safe to log and to show the caller.
 */
public final class InvalidToken extends RuntimeException {

    /** Why a token was refused; callers may map these to responses, tests assert on them. */
    public enum Reason {
        MISSING,
        MALFORMED,
        BAD_SIGNATURE,
        EXPIRED,
        NOT_YET_VALID,
        WRONG_ISSUER,
        WRONG_AUDIENCE,
        MISSING_CLAIM
    }

    private final Reason reason;

    public InvalidToken(Reason reason, String detail) {
        super(Objects.requireNonNull(detail, "detail"));
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
