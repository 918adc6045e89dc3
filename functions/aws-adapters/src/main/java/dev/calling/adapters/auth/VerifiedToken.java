package dev.calling.adapters.auth;

import java.time.Instant;
import java.util.Objects;

/** What a verified token says: who the caller is ({@code sub}) and until when the token holds ({@code exp}). */
public record VerifiedToken(String subject, Instant expiresAt) {
    public VerifiedToken {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
