package dev.calling.carrier.twilio;

import dev.calling.core.privacy.LogMasking;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One Twilio account used as a PSTN carrier. Settings only: the secrets come from
 * {@link #secrets()}, a supplier the caller provides (later AWS Secrets Manager, cached there), and
 * are asked for each time they are needed, so a rotated secret is picked up without a restart.
 *
 * @param providerId our name for the carrier (the routing catalogue's provider id)
 * @param accountSid the account ({@code AC} + 32 hex), the {@code {AccountSid}} of every REST path
 * @param apiKeySid an API key ({@code SK} + 32 hex) or null; with one, REST requests use the key and
 *     access tokens can be minted (https://www.twilio.com/docs/iam/api-keys); without, REST requests
 *     use the account SID and auth token
 * @param fromNumber the E.164 caller id of outgoing calls (a Twilio number or verified caller id)
 * @param statusCallbackUrl our public status callback endpoint for this carrier, without query (each
 *     call adds {@code ?callId=&attempt=}); it is also the URL whose signature the callback checks
 * @param clientIdentityPrefix put before every Voice SDK client identity ({@link ClientIdentity}); may be empty
 * @param twimlAppSid a TwiML App ({@code AP...}) for the access tokens' outgoing grant, or null (the apps only receive)
 * @param pushCredentialSid a push credential ({@code CR...}) for the access tokens, or null
 * @param ringTimeout how long Twilio lets the phone ring ({@code Timeout}, 1–600 s)
 * @param maxCallDuration the call's {@code TimeLimit} when the command carries none (none does yet)
 * @param answerHold how long the answered phone leg waits, in silence, for the bridge ({@code <Pause>})
 * @param connectTimeout TCP/TLS connection to the API
 * @param requestTimeout the API's reply; a dial that exceeds it is an ambiguous dial
 * @param baseUrl {@code https://api.twilio.com}, or a stub's address in tests
 * @param accessTokenTtl lifetime of minted access tokens (at most 24 h, Twilio's limit)
 * @param callbackMaxAge status callbacks whose {@code Timestamp} is older are refused as replays
 * @param secrets the account's secrets, asked for on every use
 */
public record TwilioConfig(String providerId, String accountSid, String apiKeySid, String fromNumber,
        URI statusCallbackUrl, String clientIdentityPrefix, String twimlAppSid, String pushCredentialSid,
        Duration ringTimeout, Duration maxCallDuration, Duration answerHold, Duration connectTimeout,
        Duration requestTimeout, URI baseUrl, Duration accessTokenTtl, Duration callbackMaxAge,
        TwilioSecretSource secrets) {

    public static final URI TWILIO_API = URI.create("https://api.twilio.com");

    private static final Pattern ACCOUNT_SID = Pattern.compile("AC[0-9a-fA-F]{32}");
    private static final Pattern API_KEY_SID = Pattern.compile("SK[0-9a-fA-F]{32}");
    private static final Pattern APP_SID = Pattern.compile("AP[0-9a-fA-F]{32}");
    private static final Pattern CREDENTIAL_SID = Pattern.compile("CR[0-9a-fA-F]{32}");
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
    private static final Pattern IDENTITY_PREFIX = Pattern.compile("[A-Za-z0-9_]{0,32}");

    public TwilioConfig {
        Objects.requireNonNull(providerId, "providerId");
        require(accountSid, ACCOUNT_SID, "account-sid", "AC followed by 32 hex digits");
        if (apiKeySid != null) {
            require(apiKeySid, API_KEY_SID, "api-key-sid", "SK followed by 32 hex digits");
        }
        require(fromNumber, E164, "from-number", "an E.164 number such as +14155550100");
        Objects.requireNonNull(statusCallbackUrl, "statusCallbackUrl");
        if (!statusCallbackUrl.isAbsolute() || statusCallbackUrl.getRawQuery() != null
                || statusCallbackUrl.getRawFragment() != null
                || !("https".equals(statusCallbackUrl.getScheme()) || "http".equals(statusCallbackUrl.getScheme()))) {
            throw new IllegalArgumentException("status-callback-url must be an absolute http(s) URL without query: "
                    + statusCallbackUrl);
        }
        clientIdentityPrefix = clientIdentityPrefix == null ? "" : clientIdentityPrefix;
        require(clientIdentityPrefix, IDENTITY_PREFIX, "client-identity-prefix", "at most 32 of A-Z a-z 0-9 _");
        if (twimlAppSid != null) {
            require(twimlAppSid, APP_SID, "twiml-app-sid", "AP followed by 32 hex digits");
        }
        if (pushCredentialSid != null) {
            require(pushCredentialSid, CREDENTIAL_SID, "push-credential-sid", "CR followed by 32 hex digits");
        }
        // Call resource, Timeout: "the default is 60 seconds and the maximum is 600 seconds".
        between(ringTimeout, Duration.ofSeconds(1), Duration.ofSeconds(600), "ring-timeout");
        between(maxCallDuration, Duration.ofSeconds(1), Duration.ofHours(24), "max-call-duration");
        between(answerHold, Duration.ofSeconds(1), Duration.ofHours(1), "answer-hold");
        between(connectTimeout, Duration.ofMillis(1), Duration.ofMinutes(1), "connect-timeout");
        between(requestTimeout, Duration.ofMillis(1), Duration.ofMinutes(2), "request-timeout");
        // Access Tokens: "All tokens have a limited lifetime, configurable for up to 24 hours."
        between(accessTokenTtl, Duration.ofMinutes(1), Duration.ofHours(24), "access-token-ttl");
        between(callbackMaxAge, Duration.ofMinutes(1), Duration.ofHours(24), "callback-max-age");
        Objects.requireNonNull(baseUrl, "baseUrl");
        String base = baseUrl.toString();
        if (base.endsWith("/")) {
            baseUrl = URI.create(base.substring(0, base.length() - 1));
        }
        Objects.requireNonNull(secrets, "secrets");
    }

    /**
     * Reads one carrier's settings by their short names ({@code account-sid}, {@code api-key-sid},
     * {@code from-number}, {@code status-callback-url}, {@code client-identity-prefix},
     * {@code twiml-app-sid}, {@code push-credential-sid}, {@code ring-timeout} (default PT60S),
     * {@code max-call-duration} (PT4H), {@code answer-hold} (PT60S), {@code connect-timeout} (PT2S),
     * {@code request-timeout} (PT5S), {@code base-url} (https://api.twilio.com),
     * {@code access-token-ttl} (PT1H), {@code callback-max-age} (PT1H); durations ISO-8601), the way
     * {@code RestCarrierConfig.fromSettings} does. Empty when the carrier has no {@code account-sid}.
     * Secrets are not settings: {@code secrets} supplies them.
     *
     * @throws IllegalArgumentException when {@code account-sid} is set but another required setting is
     *     missing or a value is malformed
     */
    public static Optional<TwilioConfig> fromSettings(String providerId, Function<String, Optional<String>> setting,
            TwilioSecretSource secrets) {
        Optional<String> accountSid = setting.apply("account-sid");
        if (accountSid.isEmpty()) {
            return Optional.empty();
        }
        Function<String, String> required = name -> setting.apply(name).orElseThrow(() ->
                new IllegalArgumentException("Twilio carrier " + providerId + " has an account-sid but no " + name));
        Function<String, String> optional = name -> setting.apply(name).filter(v -> !v.isBlank()).orElse(null);
        return Optional.of(new TwilioConfig(providerId, accountSid.get(), optional.apply("api-key-sid"),
                required.apply("from-number"), URI.create(required.apply("status-callback-url")),
                setting.apply("client-identity-prefix").orElse(""), optional.apply("twiml-app-sid"),
                optional.apply("push-credential-sid"),
                duration(setting, "ring-timeout", Duration.ofSeconds(60)),
                duration(setting, "max-call-duration", Duration.ofHours(4)),
                duration(setting, "answer-hold", Duration.ofSeconds(60)),
                duration(setting, "connect-timeout", Duration.ofSeconds(2)),
                duration(setting, "request-timeout", Duration.ofSeconds(5)),
                setting.apply("base-url").map(URI::create).orElse(TWILIO_API),
                duration(setting, "access-token-ttl", Duration.ofHours(1)),
                duration(setting, "callback-max-age", Duration.ofHours(1)),
                secrets));
    }

    private static Duration duration(Function<String, Optional<String>> setting, String name, Duration fallback) {
        return setting.apply(name).map(text -> {
            try {
                return Duration.parse(text);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(name + " must be an ISO-8601 duration such as PT5S: " + text, e);
            }
        }).orElse(fallback);
    }

    /** {@code Authorization: Basic ...} for REST requests: the API key when there is one, else the account and auth token. */
    String basicAuthorization() {
        TwilioSecrets current = currentSecrets();
        String key = current.apiKeySidOr(apiKeySid);
        String user = key != null ? key : accountSid;
        String password = key != null ? current.apiKeySecret() : current.authToken();
        if (password == null) {
            throw new IllegalStateException("Twilio carrier " + providerId + " has api-key-sid " + key
                    + " but its secrets hold no API key secret");
        }
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    TwilioSecrets currentSecrets() {
        return Objects.requireNonNull(secrets.get(), "the secrets supplier of Twilio carrier " + providerId + " gave null");
    }

    private static void require(String value, Pattern pattern, String name, String shape) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new IllegalArgumentException(name + " must be " + shape + ": " + value);
        }
    }

    private static void between(Duration value, Duration min, Duration max, String name) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ": " + value);
        }
    }

    /** No secrets, and no phone number in full. */
    @Override
    public String toString() {
        return "TwilioConfig[providerId=" + providerId + ", accountSid=" + accountSid + ", apiKeySid=" + apiKeySid
                + ", fromNumber=" + LogMasking.phone(fromNumber) + ", statusCallbackUrl=" + statusCallbackUrl
                + ", ringTimeout=" + ringTimeout + ", maxCallDuration=" + maxCallDuration + ", baseUrl=" + baseUrl
                + ", secrets=<supplied, redacted>]";
    }
}
