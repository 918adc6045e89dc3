package dev.calling.carrier.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

    static final String SECRET = "whsec_test_acme";
    static final long TS = 1795428000L; // 2026-11-23T10:00:00Z
    static final byte[] BODY = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    static final Instant NOW = Instant.ofEpochSecond(TS);

    @Test
    void signsTimestampDotBodyWithHmacSha256() {
        // Computed independently: python3 hmac.new(b'whsec_test_acme', b'1795428000.{"a":1}', sha256).hexdigest()
        assertThat(WebhookSignature.sign(SECRET, TS, BODY))
                .isEqualTo("sha256=aa3ade0c35a15eca1efb639ef3d635bf70e0d73ab076c60490703f9a616d9497");
    }

    @Test
    void acceptsAnAuthenticFreshCallbackWithinFiveMinutesEitherWay() {
        String signature = WebhookSignature.sign(SECRET, TS, BODY);
        assertThat(WebhookSignature.check(SECRET, Long.toString(TS), signature, BODY, NOW)).isEmpty();
        assertThat(WebhookSignature.check(SECRET, Long.toString(TS), signature.toUpperCase().replace("SHA256=", "sha256="),
                BODY, NOW.plusSeconds(300))).isEmpty();
        assertThat(WebhookSignature.check(SECRET, Long.toString(TS), signature, BODY, NOW.minusSeconds(300))).isEmpty();
    }

    @Test
    void refusesAnotherBodyAnotherSecretOrAMovedTimestamp() {
        String signature = WebhookSignature.sign(SECRET, TS, BODY);
        assertThat(WebhookSignature.check(SECRET, Long.toString(TS), signature,
                "{\"a\":2}".getBytes(StandardCharsets.UTF_8), NOW)).contains("signature does not match");
        assertThat(WebhookSignature.check("other", Long.toString(TS), signature, BODY, NOW))
                .contains("signature does not match");
        // A replay with a fresh timestamp header: the signature covered the old one.
        assertThat(WebhookSignature.check(SECRET, Long.toString(TS + 600), signature, BODY, NOW.plusSeconds(600)))
                .contains("signature does not match");
    }

    @Test
    void refusesAStaleOrFutureTimestampEvenWhenSigned() {
        String signature = WebhookSignature.sign(SECRET, TS, BODY);
        assertThat(WebhookSignature.check(SECRET, Long.toString(TS), signature, BODY, NOW.plusSeconds(301)))
                .hasValueSatisfying(problem -> assertThat(problem).contains("replay refused"));
        assertThat(WebhookSignature.check(SECRET, Long.toString(TS), signature, BODY, NOW.minusSeconds(301)))
                .hasValueSatisfying(problem -> assertThat(problem).contains("replay refused"));
    }

    @Test
    void refusesMissingOrGarbledHeaders() {
        String signature = WebhookSignature.sign(SECRET, TS, BODY);
        assertThat(WebhookSignature.check(SECRET, null, signature, BODY, NOW)).isPresent();
        assertThat(WebhookSignature.check(SECRET, Long.toString(TS), null, BODY, NOW)).isPresent();
        assertThat(WebhookSignature.check(SECRET, "yesterday", signature, BODY, NOW)).isPresent();
        assertThat(WebhookSignature.check(SECRET, Long.toString(TS), "md5=abc", BODY, NOW)).isPresent();
        assertThat(WebhookSignature.check(SECRET, Long.toString(TS), "sha256=zz", BODY, NOW)).isPresent();
    }
}
