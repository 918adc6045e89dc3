package dev.calling.carrier.twilio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.secrets.CachedSecret;
import dev.calling.secrets.ParsedSecret;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Where one Twilio account's secrets come from, asked for on every use so that a rotated secret is
 * picked up without a restart.
 */
@FunctionalInterface
public interface TwilioSecretSource extends Supplier<TwilioSecrets> {

    /** How long secrets read from Secrets Manager are used before they are read again. */
    Duration REFRESH_AFTER = Duration.ofMinutes(5);

    /**
     * Twilio refused the secrets in hand (HTTP 401), or a callback's signature does not match them:
     * they may have been rotated. Returns whether fresh ones will be read, i.e. whether one more try
     * is worth it. Fixed secrets: never.
     */
    default boolean refused() {
        return false;
    }

    /**
     * The secret {@code secretId} of AWS Secrets Manager, whose value is
     * {@code {"authToken": "...", "apiKeySecret": "...", "apiKeySid": "SK..."}} ({@code apiKeySecret}
     * optional; {@code apiKeySid} optional, overriding the configured {@code api-key-sid}), cached
     * for {@link #REFRESH_AFTER} ({@link CachedSecret}: an outage keeps the last value, a refusal
     * reads it again at most every {@link CachedSecret#REREAD_AFTER}).
     */
    static TwilioSecretSource fromSecretsManager(SecretsManagerClient secretsManager, String secretId, Clock clock) {
        ParsedSecret<TwilioSecrets> secret = new ParsedSecret<>(
                new CachedSecret(secretsManager, secretId, REFRESH_AFTER, clock), value -> parse(value, secretId));
        return new TwilioSecretSource() {
            @Override
            public TwilioSecrets get() {
                return secret.get();
            }

            @Override
            public boolean refused() {
                return secret.invalidate();
            }

            @Override
            public String toString() {
                return "TwilioSecretSource[" + secretId + "]";
            }
        };
    }

    /**
     * Reads {@code {"authToken": "...", "apiKeySecret": "...", "apiKeySid": "..."}}. The message of a
     * failure never quotes a secret value.
     */
    static TwilioSecrets parse(String json, String secretId) {
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("secret " + secretId + " is not JSON {\"authToken\":...,\"apiKeySecret\":...}");
        }
        if (node == null || !node.path("authToken").isTextual()) {
            throw new IllegalStateException("secret " + secretId + " has no \"authToken\" string");
        }
        JsonNode apiKeySecret = node.path("apiKeySecret");
        JsonNode apiKeySid = node.path("apiKeySid");
        try {
            return new TwilioSecrets(node.path("authToken").asText(), apiKeySecret.isTextual() ? apiKeySecret.asText() : null,
                    apiKeySid.isTextual() ? apiKeySid.asText() : null);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("secret " + secretId + ": " + e.getMessage());
        }
    }
}
