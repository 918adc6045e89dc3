package dev.calling.calls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.realtime.MediaJoinPush;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Provider;
import dev.calling.embedded.SecretsManagerStub;
import dev.calling.secrets.SecretsManagerClients;
import java.time.Clock;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Twilio carrier built from its settings as the CallStateManager reads them: priced by a Twilio
 * voice price list, its secrets left in Secrets Manager until a call needs them. (Dialling through it
 * is tested end to end in functions/local-runtime, TwilioPstnIntegrationTest.)
 */
class CarriersTest {

    static final String SECRET = "arn:aws:secretsmanager:us-east-1:000000000000:secret:calling/twilio-AbCdEf";

    static SecretsManagerStub secretsManager;

    @BeforeAll
    static void start() {
        secretsManager = SecretsManagerStub.start();
    }

    @AfterAll
    static void stop() {
        secretsManager.close();
    }

    static Map<String, String> twilio() {
        Map<String, String> settings = new HashMap<>();
        settings.put("adapter", "twilio");
        settings.put("rate-deck", "rate-decks/twilio-test.json");
        settings.put("price-list-price", "BASE");
        settings.put("price-list-from", "2026-12-01");
        settings.put("max-concurrent-calls", "30");
        settings.put("account-sid", "AC0123456789abcdef0123456789abcdef");
        settings.put("api-key-sid", "SK0123456789abcdef0123456789abcdef");
        settings.put("from-number", "+14155550100");
        settings.put("status-callback-url", "https://calls.example/carrier-webhooks/tw");
        settings.put("secret-id", SECRET);
        return settings;
    }

    static Carriers build(Map<String, String> settings) {
        // Nothing here is touched while carriers are built: no table, queue or switch is needed.
        return Carriers.from(List.of("tw"), (id, name) -> Optional.ofNullable(settings.get(name)),
                new Carriers.Edges("us-east-1", (DynamoDbCarrierLegs) null, (SqsCallStateChanges) null,
                        (DynamoDbCallMedia) null, MediaJoinPush.NONE, () -> {
                            throw new AssertionError("no meetings for a Twilio carrier");
                        }, () -> SecretsManagerClients.create("us-east-1", Optional.of(secretsManager.endpoint())),
                        Clock.systemUTC()));
    }

    @Test
    void aTwilioCarrierIsPricedByTwiliosOwnPriceListAndReadsNoSecretUntilItDials() {
        Carriers carriers = build(twilio());

        Provider provider = carriers.providers().get(0);
        assertThat(provider.id()).isEqualTo("tw");
        assertThat(provider.maxConcurrentCalls()).isEqualTo(30);
        assertThat(provider.costDeck().lookup("447911123456", LocalDate.of(2026, 12, 4))).get().satisfies(rate -> {
            assertThat(rate.prefix()).isEqualTo("447");
            assertThat(rate.perMinute()).isEqualTo(Money.of("0.0400", "USD")); // base_price, as configured
            assertThat(rate.increment()).isEqualTo(BillingIncrement.PER_MINUTE);
        });
        assertThat(provider.costDeck().lookup("442071838750", LocalDate.of(2026, 11, 30)))
                .as("not before price-list-from").isEmpty();
        assertThat(secretsManager.reads()).isZero();
    }

    @Test
    void aTwilioCarrierWithoutAnApiKeyOrSecretIsRefusedAtStartWithTheSettingNamed() {
        Map<String, String> noKey = twilio();
        noKey.remove("api-key-sid");
        Map<String, String> noSecret = twilio();
        noSecret.remove("secret-id");

        assertThatThrownBy(() -> build(noKey)).hasMessageContaining("calling.carriers.tw.api-key-sid");
        assertThatThrownBy(() -> build(noSecret)).hasMessageContaining("calling.carriers.tw.secret-id");
    }

    static Map<String, String> rest() {
        Map<String, String> settings = new HashMap<>();
        settings.put("adapter", "REST");
        settings.put("rate-deck", "rate-decks/atlas.csv.gz");
        settings.put("base-url", "https://api.atlas.example");
        settings.put("api-key-secret-id", "calling/atlas/api-key");
        settings.put("from-number", "+14155550100");
        settings.put("status-callback-url", "https://calls.example/carrier-webhooks/tw");
        settings.put("bridge-sip-uri", "sip:{connectionId}@media.example");
        return settings;
    }

    @Test
    void aRestCarrierReadsNoSecretUntilItDials() {
        int reads = secretsManager.reads();

        assertThat(build(rest()).providers()).singleElement().satisfies(p -> assertThat(p.id()).isEqualTo("tw"));
        assertThat(secretsManager.reads()).as("nothing read at start: a Secrets Manager outage cannot stop it")
                .isEqualTo(reads);
    }

    @Test
    void aRestCarrierWithAPlainApiKeyOrNoSecretIsRefusedAtStartWithTheSettingNamed() {
        Map<String, String> plain = rest();
        plain.put("api-key", "plain-key-value");
        Map<String, String> noSecret = rest();
        noSecret.remove("api-key-secret-id");

        assertThatThrownBy(() -> build(plain)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("calling.carriers.tw.api-key-secret-id").hasMessageNotContaining("plain-key-value");
        assertThatThrownBy(() -> build(noSecret)).hasMessageContaining("api-key-secret-id");
    }
}
