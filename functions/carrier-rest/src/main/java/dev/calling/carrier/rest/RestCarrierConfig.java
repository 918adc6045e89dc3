package dev.calling.carrier.rest;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One REST carrier account.
 *
 * @param providerId our name for the carrier (the routing catalogue's provider id)
 * @param baseUrl the carrier API's base, e.g. {@code https://api.carrier.example}; paths start with {@code /v1}
 * @param apiKey sent as {@code Authorization: Bearer <apiKey>}; read from Secrets Manager on use ({@link CarrierSecret#apiKey})
 * @param fromNumber the E.164 caller id presented on outgoing calls
 * @param statusCallbackUrl where the carrier posts status callbacks (our {@code POST /carrier-webhooks/{providerId}})
 * @param bridgeSipUriTemplate the SIP URI of an app connection on our media side, with {@code {connectionId}}
 *     (and optionally {@code {callId}}) to fill in, e.g. {@code sip:{connectionId}@media.calling.example}
 * @param connectTimeout how long to wait for a TCP/TLS connection to the API
 * @param requestTimeout how long to wait for the API's reply; a dial that exceeds it is a carrier failure
 */
public record RestCarrierConfig(String providerId, URI baseUrl, CarrierSecret<String> apiKey, String fromNumber,
        URI statusCallbackUrl, String bridgeSipUriTemplate, Duration connectTimeout, Duration requestTimeout) {

    public RestCarrierConfig {
        Objects.requireNonNull(providerId, "providerId");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(fromNumber, "fromNumber");
        Objects.requireNonNull(statusCallbackUrl, "statusCallbackUrl");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (bridgeSipUriTemplate == null || !bridgeSipUriTemplate.contains("{connectionId}")) {
            throw new IllegalArgumentException("bridgeSipUriTemplate needs a {connectionId} placeholder: "
                    + bridgeSipUriTemplate);
        }
        String base = baseUrl.toString();
        if (base.endsWith("/")) {
            baseUrl = URI.create(base.substring(0, base.length() - 1));
        }
    }

    /**
     * Reads one carrier's settings by their short names ({@code base-url}, {@code api-key-secret-id},
     * {@code from-number}, {@code status-callback-url}, {@code bridge-sip-uri},
     * {@code connect-timeout}, {@code request-timeout}; timeouts as ISO-8601 durations, default 2 s
     * and 5 s), so every function configures a carrier the same way. Empty when the carrier has no
     * {@code base-url}. Nothing is read from Secrets Manager here: {@code apiKeys} makes the source of
     * the key from {@code api-key-secret-id}, read when first needed.
     *
     * @throws IllegalArgumentException when {@code base-url} is set but another required setting is not,
     *     or when the key is given as a plain {@code api-key} value
     */
    public static Optional<RestCarrierConfig> fromSettings(String providerId, Function<String, Optional<String>> setting,
            Function<String, CarrierSecret<String>> apiKeys) {
        Optional<String> baseUrl = setting.apply("base-url");
        if (baseUrl.isEmpty()) {
            return Optional.empty();
        }
        if (setting.apply("api-key").isPresent()) {
            throw new IllegalArgumentException(CarrierSecret.plainSecretIn(
                    java.util.List.of("calling.carriers." + providerId + ".api-key")).orElseThrow());
        }
        Function<String, String> required = name -> setting.apply(name).orElseThrow(() ->
                new IllegalArgumentException("carrier " + providerId + " has a base-url but no " + name));
        return Optional.of(new RestCarrierConfig(providerId, URI.create(baseUrl.get()),
                apiKeys.apply(required.apply("api-key-secret-id")),
                required.apply("from-number"), URI.create(required.apply("status-callback-url")),
                required.apply("bridge-sip-uri"),
                setting.apply("connect-timeout").map(Duration::parse).orElse(Duration.ofSeconds(2)),
                setting.apply("request-timeout").map(Duration::parse).orElse(Duration.ofSeconds(5))));
    }

    /** The SIP URI the carrier should connect the answered leg to. */
    public String bridgeSipUri(String callId, String connectionId) {
        return bridgeSipUriTemplate.replace("{connectionId}", connectionId).replace("{callId}", callId);
    }
}
