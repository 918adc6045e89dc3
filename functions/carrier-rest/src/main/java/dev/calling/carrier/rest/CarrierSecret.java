package dev.calling.carrier.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.secrets.CachedSecret;
import dev.calling.secrets.ParsedSecret;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * A REST carrier's credential, asked for on every use so that a rotated one is picked up without a
 * restart: its API key ({@link #apiKey}) or its webhook signing secrets ({@link #webhookSecrets}),
 * each read at run time from an AWS Secrets Manager secret, never from an environment variable.
 *
 * <p>Secret shapes (the SecretString; one secret may hold both fields and be named by both settings,
 * but two keep the webhook's secret away from the CallStateManager, which only dials):
 * <ul>
 *   <li>{@code api-key-secret-id}: {@code {"apiKey": "..."}}</li>
 *   <li>{@code webhook-secret-id}: {@code {"webhookSecrets": ["<newest>", "<previous>"]}}: a callback
 *   signed with any of them is authentic, so during a rotation both the new and the old secret are
 *   listed until the carrier signs with the new one only.</li>
 * </ul>
 */
@FunctionalInterface
public interface CarrierSecret<T> extends Supplier<T> {

    /** How long a value read from Secrets Manager is used before it is read again. */
    Duration REFRESH_AFTER = Duration.ofMinutes(5);

    /** At most this many webhook secrets are listed (the current one and those being rotated out). */
    int MAX_WEBHOOK_SECRETS = 5;

    /**
     * The carrier refused the value in hand (HTTP 401/403), or a callback's signature matches none of
     * them: it may have been rotated. Returns whether it will be read again, i.e. whether one more try
     * is worth it (at most every {@link CachedSecret#REREAD_AFTER}). A fixed value: never.
     */
    default boolean refused() {
        return false;
    }

    /** A value that never changes (tests). */
    static <T> CarrierSecret<T> fixed(T value) {
        return () -> value;
    }

    /** The API key in secret {@code secretId} (name or ARN), {@code {"apiKey": "..."}}. */
    static CarrierSecret<String> apiKey(SecretsManagerClient secretsManager, String secretId, Clock clock) {
        return fromSecretsManager(secretsManager, secretId, clock, json -> {
            JsonNode key = json.path("apiKey");
            if (!key.isTextual() || key.asText().isBlank()) {
                throw new IllegalStateException("secret " + secretId + " has no \"apiKey\" string");
            }
            return key.asText();
        });
    }

    /** The webhook signing secrets in secret {@code secretId}, {@code {"webhookSecrets": ["...", ...]}}. */
    static CarrierSecret<List<String>> webhookSecrets(SecretsManagerClient secretsManager, String secretId, Clock clock) {
        return fromSecretsManager(secretsManager, secretId, clock, json -> {
            JsonNode list = json.path("webhookSecrets");
            if (!list.isArray() || list.isEmpty() || list.size() > MAX_WEBHOOK_SECRETS) {
                throw new IllegalStateException("secret " + secretId + " needs \"webhookSecrets\": a list of 1 to "
                        + MAX_WEBHOOK_SECRETS + " strings");
            }
            List<String> secrets = new ArrayList<>();
            for (JsonNode secret : list) {
                if (!secret.isTextual() || secret.asText().isBlank()) {
                    throw new IllegalStateException("secret " + secretId + ": every \"webhookSecrets\" entry must be"
                            + " a non-empty string");
                }
                secrets.add(secret.asText());
            }
            return List.copyOf(secrets);
        });
    }

    /**
     * Secret {@code secretId} through a {@link CachedSecret} (an outage keeps the last value read),
     * parsed by {@code parse} whenever its string changes. No message quotes the secret's value.
     */
    private static <T> CarrierSecret<T> fromSecretsManager(SecretsManagerClient secretsManager, String secretId,
            Clock clock, Function<JsonNode, T> parse) {
        ParsedSecret<T> secret = new ParsedSecret<>(new CachedSecret(secretsManager, secretId, REFRESH_AFTER, clock),
                value -> {
                    JsonNode json;
                    try {
                        json = new ObjectMapper().readTree(value);
                    } catch (IOException e) {
                        json = null;
                    }
                    if (json == null || !json.isObject()) {
                        throw new IllegalStateException("secret " + secretId + " is not a JSON object");
                    }
                    return parse.apply(json);
                });
        return new CarrierSecret<>() {
            @Override
            public T get() {
                return secret.get();
            }

            @Override
            public boolean refused() {
                return secret.invalidate();
            }

            @Override
            public String toString() {
                return "CarrierSecret[" + secretId + "]";
            }
        };
    }

    /** Settings that once held a REST carrier's credentials as plain values, and the setting now used instead. */
    Pattern PLAIN_SECRET_SETTING = Pattern.compile(
            "(?:calling\\.carriers\\.([a-z0-9-]+)\\.(api-key|webhook-secret))|(?:CALLING_CARRIERS_([A-Z0-9_]+)_(API_KEY|WEBHOOK_SECRET))");

    /**
     * The problem with configuration that carries a REST carrier's credential as a plain value
     * ({@code calling.carriers.<id>.api-key} or {@code .webhook-secret}, or their environment
     * variables): such a value is readable by anyone who may read the function's configuration and is
     * never rotated. The message names the setting to use instead, never the value. Empty when there is none.
     */
    static Optional<String> plainSecretIn(Iterable<String> propertyNames) {
        for (String name : propertyNames) {
            Matcher m = PLAIN_SECRET_SETTING.matcher(name);
            if (m.matches()) {
                boolean apiKey = "api-key".equals(m.group(2)) || "API_KEY".equals(m.group(4));
                String id = m.group(1) != null ? m.group(1) : m.group(3).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
                return Optional.of(name + " holds a REST carrier credential as a plain value, which is not read any"
                        + " more: put it into AWS Secrets Manager as " + (apiKey ? "{\"apiKey\": \"...\"}"
                                : "{\"webhookSecrets\": [\"...\"]}") + " and set calling.carriers." + id + "."
                        + (apiKey ? "api-key-secret-id" : "webhook-secret-id") + " to the secret's name or ARN"
                        + " (docs/carrier-rest-api.md)");
            }
        }
        return Optional.empty();
    }

    /** Fails a function's start on {@link #plainSecretIn}. */
    static void refusePlainSecrets(Iterable<String> propertyNames) {
        plainSecretIn(propertyNames).ifPresent(problem -> {
            throw new IllegalStateException(problem);
        });
    }
}
