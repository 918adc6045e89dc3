package dev.calling.carrier.twilio;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Test accounts, secrets and Twilio's wire formats. None of these is a real credential. */
final class Fixtures {

    static final String PROVIDER = "twilio";
    static final String ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
    static final String API_KEY_SID = "SK0123456789abcdef0123456789abcdef";
    static final String AUTH_TOKEN = "test_auth_token_0123456789abcdef";
    /** 32 characters, like a real API key secret (HS256 wants a 256-bit key). */
    static final String API_KEY_SECRET = "test_api_key_secret_0123456789ab";
    static final String FROM = "+14155550100";
    static final String TO = "+442071838750";
    static final URI CALLBACK_URL = URI.create("https://calls.example/carrier-webhooks/twilio");
    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    static final TwilioSecrets SECRETS = new TwilioSecrets(AUTH_TOKEN, API_KEY_SECRET);

    private static final DateTimeFormatter RFC_2822 =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private Fixtures() {}

    static TwilioConfig config(String baseUrl) {
        return config(baseUrl, () -> SECRETS);
    }

    static TwilioConfig config(String baseUrl, TwilioSecretSource secrets) {
        return new TwilioConfig(PROVIDER, ACCOUNT_SID, API_KEY_SID, FROM, CALLBACK_URL, "", null, null,
                Duration.ofSeconds(60), Duration.ofHours(4), Duration.ofSeconds(60), Duration.ofMillis(500),
                Duration.ofMillis(800), URI.create(baseUrl), Duration.ofHours(1), Duration.ofHours(1), secrets);
    }

    /**
     * Our account against {@code baseUrl} (a {@code TwilioStub}), status callbacks to {@code statusCallbackUrl},
     * with timeouts long enough that a busy test machine does not turn a create into an ambiguous dial.
     */
    static TwilioConfig stubConfig(String baseUrl, URI statusCallbackUrl) {
        TwilioConfig c = config(baseUrl);
        return new TwilioConfig(c.providerId(), c.accountSid(), c.apiKeySid(), c.fromNumber(), statusCallbackUrl,
                c.clientIdentityPrefix(), c.twimlAppSid(), c.pushCredentialSid(), c.ringTimeout(), c.maxCallDuration(),
                c.answerHold(), Duration.ofSeconds(5), Duration.ofSeconds(20), c.baseUrl(), c.accessTokenTtl(),
                c.callbackMaxAge(), c.secrets());
    }

    /** How Twilio writes dates: RFC 2822, {@code Mon, 23 Nov 2026 10:00:00 +0000}. */
    static String rfc2822(Instant at) {
        return RFC_2822.format(at);
    }

    /** A call SID: {@code CA} and 32 hex digits, the last ones from {@code n}. */
    static String callSid(long n) {
        return "CA" + String.format("%032x", n);
    }

    /** {@code application/x-www-form-urlencoded}, fields in the order given. */
    static String form(List<Map.Entry<String, String>> fields) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, String> field : fields) {
            parts.add(URLEncoder.encode(field.getKey(), StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8));
        }
        return String.join("&", parts);
    }
}
