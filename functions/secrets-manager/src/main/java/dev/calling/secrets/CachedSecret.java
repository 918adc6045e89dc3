package dev.calling.secrets;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * One secret (a carrier's API key or auth token) read at run time from AWS Secrets Manager
 * ({@code GetSecretValue}, the current version), never from an environment variable, never logged.
 *
 * <p>Cached per container for {@code refreshAfter}, so a call costs no Secrets Manager request; a
 * rotated secret is picked up by the next refresh, or at once after {@link #invalidate()} (call it
 * when the provider refuses the cached credential, then try once more). If a refresh fails, the last
 * value read keeps being served (a Secrets Manager outage must not stop calls) and the refresh is
 * tried again on the next use; only when no value was ever read does {@link #get()} throw.
 */
public final class CachedSecret implements Supplier<String> {

    private static final System.Logger LOG = System.getLogger(CachedSecret.class.getName());

    /** A value read this recently is not read again on {@link #invalidate()}. */
    public static final Duration REREAD_AFTER = Duration.ofSeconds(10);

    private final SecretsManagerClient secrets;
    private final String secretId;
    private final Duration refreshAfter;
    private final Clock clock;
    private String value;
    private Instant readAt;

    public CachedSecret(SecretsManagerClient secrets, String secretId, Duration refreshAfter, Clock clock) {
        this.secrets = Objects.requireNonNull(secrets);
        this.secretId = Objects.requireNonNull(secretId);
        this.refreshAfter = refreshAfter;
        this.clock = clock;
    }

    @Override
    public synchronized String get() {
        Instant now = clock.instant();
        if (value != null && now.isBefore(readAt.plus(refreshAfter))) {
            return value;
        }
        try {
            String read = secrets.getSecretValue(r -> r.secretId(secretId)).secretString();
            if (read == null || read.isEmpty()) {
                throw new IllegalStateException("secret " + secretId + " has no string value");
            }
            value = read;
            readAt = now;
        } catch (SdkException e) {
            if (value == null) {
                throw e;
            }
            LOG.log(Level.WARNING, "secret " + secretId + " could not be refreshed, the last one read is used: "
                    + e.getMessage());
        }
        return value;
    }

    /**
     * The cached value is no longer trusted (the provider refused it, or a signature made with it
     * does not match): the next {@link #get()} reads it again — unless it was read less than
     * {@link #REREAD_AFTER} ago, so that a flood of forged requests cannot turn into a flood of
     * Secrets Manager reads. Returns whether it will be read again (worth one more try).
     */
    public synchronized boolean invalidate() {
        if (readAt == null || readAt.equals(Instant.MIN)) {
            return true;
        }
        if (clock.instant().isBefore(readAt.plus(REREAD_AFTER))) {
            return false;
        }
        readAt = Instant.MIN;
        return true;
    }

    /** Never the value. */
    @Override
    public String toString() {
        return "CachedSecret[" + secretId + "]";
    }
}
