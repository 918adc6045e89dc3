package dev.calling.carrier.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TwilioConfigTest {

    static Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>();
        settings.put("account-sid", Fixtures.ACCOUNT_SID);
        settings.put("api-key-sid", Fixtures.API_KEY_SID);
        settings.put("from-number", Fixtures.FROM);
        settings.put("status-callback-url", "https://calls.example/carrier-webhooks/twilio");
        return settings;
    }

    static Optional<TwilioConfig> read(Map<String, String> settings) {
        return TwilioConfig.fromSettings("twilio", name -> Optional.ofNullable(settings.get(name)), () -> Fixtures.SECRETS);
    }

    @Test
    void readsACarrierFromItsSettingsWithDefaults() {
        TwilioConfig config = read(settings()).orElseThrow();

        assertThat(config.baseUrl()).isEqualTo(URI.create("https://api.twilio.com"));
        assertThat(config.ringTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.maxCallDuration()).isEqualTo(Duration.ofHours(4));
        assertThat(config.answerHold()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.accessTokenTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(config.callbackMaxAge()).isEqualTo(Duration.ofHours(1));
        assertThat(config.clientIdentityPrefix()).isEmpty();
        assertThat(config.twimlAppSid()).isNull();
    }

    @Test
    void readsEveryOptionalSetting() {
        Map<String, String> settings = settings();
        settings.put("base-url", "http://localhost:8089/");
        settings.put("ring-timeout", "PT45S");
        settings.put("request-timeout", "PT3S");
        settings.put("client-identity-prefix", "calling_");
        settings.put("twiml-app-sid", "AP0123456789abcdef0123456789abcdef");

        TwilioConfig config = read(settings).orElseThrow();

        assertThat(config.baseUrl()).as("trailing slash dropped").isEqualTo(URI.create("http://localhost:8089"));
        assertThat(config.ringTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.clientIdentityPrefix()).isEqualTo("calling_");
        assertThat(config.twimlAppSid()).startsWith("AP");
    }

    @Test
    void noAccountMeansNoCarrierButAHalfConfiguredOneIsAnError() {
        assertThat(read(Map.of())).isEmpty();
        Map<String, String> noFrom = settings();
        noFrom.remove("from-number");
        assertThatThrownBy(() -> read(noFrom)).hasMessageContaining("no from-number");
    }

    @Test
    void refusesMalformedValues() {
        for (Map.Entry<String, String> bad : Map.of("account-sid", "AC123", "api-key-sid", "AC0123456789abcdef0123456789abcdef",
                "from-number", "4155550100", "status-callback-url", "https://calls.example/hook?x=1",
                "ring-timeout", "PT601S", "access-token-ttl", "PT25H", "client-identity-prefix", "bad-prefix",
                "request-timeout", "5 seconds").entrySet()) {
            Map<String, String> settings = settings();
            settings.put(bad.getKey(), bad.getValue());
            assertThatThrownBy(() -> read(settings)).as(bad.getKey()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(bad.getKey());
        }
    }

    @Test
    void secretsAreNeverInToStringAndAreAskedForOnEveryUse() {
        AtomicInteger asked = new AtomicInteger();
        TwilioConfig config = TwilioConfig.fromSettings("twilio", name -> Optional.ofNullable(settings().get(name)),
                () -> {
                    asked.incrementAndGet();
                    return Fixtures.SECRETS;
                }).orElseThrow();

        assertThat(config.toString()).doesNotContain(Fixtures.AUTH_TOKEN, Fixtures.API_KEY_SECRET, Fixtures.FROM);
        assertThat(Fixtures.SECRETS.toString()).doesNotContain(Fixtures.AUTH_TOKEN, Fixtures.API_KEY_SECRET);
        assertThat(asked).as("not read at start-up").hasValue(0);

        String header = config.basicAuthorization();
        config.basicAuthorization();

        assertThat(asked).hasValue(2);
        assertThat(new String(Base64.getDecoder().decode(header.substring("Basic ".length()))))
                .isEqualTo(Fixtures.API_KEY_SID + ":" + Fixtures.API_KEY_SECRET);
    }

    @Test
    void withoutAnApiKeyRestRequestsUseTheAccountAndAuthToken() {
        Map<String, String> settings = settings();
        settings.remove("api-key-sid");
        TwilioConfig config = read(settings).orElseThrow();

        assertThat(new String(Base64.getDecoder().decode(config.basicAuthorization().substring("Basic ".length()))))
                .isEqualTo(Fixtures.ACCOUNT_SID + ":" + Fixtures.AUTH_TOKEN);
    }
}
