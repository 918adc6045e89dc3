package dev.calling.carrier.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RestCarrierConfigTest {

    static final Map<String, String> SETTINGS = Map.of("base-url", "https://api.acme.example/",
            "api-key-secret-id", "calling/acme/api-key",
            "from-number", "+14155550100", "status-callback-url", "https://calls.example/carrier-webhooks/acme",
            "bridge-sip-uri", "sip:{connectionId}@media.example;call={callId}", "request-timeout", "PT3S");

    @Test
    void readsACarrierFromItsSettingsWithDefaultTimeouts() {
        List<String> secretIds = new ArrayList<>();
        RestCarrierConfig config = RestCarrierConfig.fromSettings("acme", name -> Optional.ofNullable(SETTINGS.get(name)),
                secretId -> {
                    secretIds.add(secretId);
                    return CarrierSecret.fixed("k");
                }).orElseThrow();

        assertThat(secretIds).as("the key comes from the secret api-key-secret-id names").containsExactly("calling/acme/api-key");
        assertThat(config.apiKey().get()).isEqualTo("k");

        assertThat(config.baseUrl()).as("trailing slash dropped").isEqualTo(URI.create("https://api.acme.example"));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.bridgeSipUri("call-1", "alice-c1")).isEqualTo("sip:alice-c1@media.example;call=call-1");
    }

    @Test
    void noBaseUrlMeansNoApiButAHalfConfiguredCarrierIsAnError() {
        assertThat(RestCarrierConfig.fromSettings("acme", name -> Optional.empty(), CarrierSecret::fixed)).isEmpty();
        assertThatThrownBy(() -> RestCarrierConfig.fromSettings("acme",
                name -> name.equals("base-url") ? Optional.of("https://x") : Optional.empty(), CarrierSecret::fixed))
                .hasMessageContaining("no api-key-secret-id");
    }

    @Test
    void aPlainApiKeyInTheSettingsIsRefusedNamingTheSettingToUseInstead() {
        Map<String, String> plain = new HashMap<>(SETTINGS);
        plain.put("api-key", "sk_live_plain_value");

        assertThatThrownBy(() -> RestCarrierConfig.fromSettings("acme", name -> Optional.ofNullable(plain.get(name)),
                CarrierSecret::fixed))
                .hasMessageContaining("calling.carriers.acme.api-key-secret-id").hasMessageContaining("{\"apiKey\"")
                .hasMessageNotContaining("sk_live_plain_value");
    }

    @Test
    void plainCredentialsAnywhereInAFunctionsConfigurationAreFoundByTheirNames() {
        assertThat(CarrierSecret.plainSecretIn(List.of("CALLING_CARRIER_IDS", "CALLING_CARRIERS_ACME_API_KEY_SECRET_ID",
                "CALLING_CARRIERS_ACME_WEBHOOK_SECRET_ID", "CALLING_CARRIERS_TW_API_KEY_SID",
                "calling.carriers.acme.webhook-secret-id"))).isEmpty();
        assertThat(CarrierSecret.plainSecretIn(List.of("PATH", "CALLING_CARRIERS_BIG_ONE_WEBHOOK_SECRET")))
                .hasValueSatisfying(problem -> assertThat(problem)
                        .contains("CALLING_CARRIERS_BIG_ONE_WEBHOOK_SECRET", "calling.carriers.big-one.webhook-secret-id"));
        assertThat(CarrierSecret.plainSecretIn(List.of("calling.carriers.acme.api-key")))
                .hasValueSatisfying(problem -> assertThat(problem).contains("calling.carriers.acme.api-key-secret-id"));
        assertThatThrownBy(() -> CarrierSecret.refusePlainSecrets(List.of("CALLING_CARRIERS_ACME_API_KEY")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("api-key-secret-id");
    }

    @Test
    void theClientReferenceKeepsColonsOfTheCallId() {
        assertThat(ClientReference.parse("call:with:colons:3")).isEqualTo(new ClientReference("call:with:colons", 3));
        assertThat(new ClientReference("c", 2)).hasToString("c:2");
        assertThatThrownBy(() -> ClientReference.parse("c:0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientReference.parse(":1")).isInstanceOf(IllegalArgumentException.class);
    }
}
