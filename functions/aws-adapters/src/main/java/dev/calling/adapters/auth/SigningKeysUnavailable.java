package dev.calling.adapters.auth;

/**
 * The issuer's JWKS could not be fetched, so no token can be checked right now. Not the caller's
 * fault: an authorizer should fail (API Gateway answers 500) rather than answer 401, and the
 * caller may retry.
 */
public final class SigningKeysUnavailable extends RuntimeException {
    public SigningKeysUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
