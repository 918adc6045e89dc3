package dev.calling.carrier.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RestCarrierConfigTest {

    static final Map<String, String> SETTINGS = Map.of("base-url", "https://api.acme.example/", "api-key", "k",
            "from-number", "+14155550100", "status-callback-url", "https://calls.example/carrier-webhooks/acme",
            "bridge-sip-uri", "sip:{connectionId}@media.example;call={callId}", "request-timeout", "PT3S");

    @Test
    void readsACarrierFromItsSettingsWithDefaultTimeouts() {
        RestCarrierConfig config = RestCarrierConfig.fromSettings("acme", name -> Optional.ofNullable(SETTINGS.get(name)))
                .orElseThrow();

        assertThat(config.baseUrl()).as("trailing slash dropped").isEqualTo(URI.create("https://api.acme.example"));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.bridgeSipUri("call-1", "alice-c1")).isEqualTo("sip:alice-c1@media.example;call=call-1");
    }

    @Test
    void noBaseUrlMeansNoApiButAHalfConfiguredCarrierIsAnError() {
        assertThat(RestCarrierConfig.fromSettings("acme", name -> Optional.empty())).isEmpty();
        assertThatThrownBy(() -> RestCarrierConfig.fromSettings("acme",
                name -> name.equals("base-url") ? Optional.of("https://x") : Optional.empty()))
                .hasMessageContaining("no api-key");
    }

    @Test
    void theClientReferenceKeepsColonsOfTheCallId() {
        assertThat(ClientReference.parse("call:with:colons:3")).isEqualTo(new ClientReference("call:with:colons", 3));
        assertThat(new ClientReference("c", 2)).hasToString("c:2");
        assertThatThrownBy(() -> ClientReference.parse("c:0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientReference.parse(":1")).isInstanceOf(IllegalArgumentException.class);
    }
}
