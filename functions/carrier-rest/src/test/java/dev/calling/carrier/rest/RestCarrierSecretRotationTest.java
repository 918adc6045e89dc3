package dev.calling.carrier.rest;

import dev.calling.embedded.MovingClock;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.embedded.CallStateChangesQueue;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.embedded.SecretsManagerStub;
import dev.calling.secrets.CachedSecret;
import dev.calling.secrets.SecretsManagerClients;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The REST carrier's API key and webhook secrets read from AWS Secrets Manager (the real SDK client
 * against a stub of its documented {@code GetSecretValue}) and rotated there: a 401 for the old key,
 * or a callback signed with a secret added since the last read, makes the adapter read the secret
 * again and try once more.
 */
class RestCarrierSecretRotationTest {

    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    static final String API_KEY_SECRET = "arn:aws:secretsmanager:us-east-1:000000000000:secret:calling/acme/api-key-AbCdEf";
    static final String WEBHOOK_SECRET = "calling/acme/webhook";

    static SecretsManagerStub secretsManager;
    static SecretsManagerClient client;
    static WireMockServer carrierApi;
    static EmbeddedAws aws;
    static CallStateChangesQueue queue;
    static DynamoDbCarrierLegs legs;


    final MovingClock clock = new MovingClock(NOW);

    @BeforeAll
    static void start() {
        secretsManager = SecretsManagerStub.start();
        client = SecretsManagerClients.create("us-east-1", Optional.of(secretsManager.endpoint()));
        carrierApi = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        carrierApi.start();
        aws = EmbeddedAws.start();
        queue = new CallStateChangesQueue(aws, aws.clients().sqs());
        legs = new DynamoDbCarrierLegs(aws.clients().dynamoDb(), Resources.CARRIER_LEGS.name(), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        aws.close();
        carrierApi.stop();
        client.close();
        secretsManager.close();
    }

    @BeforeEach
    void reset() {
        carrierApi.resetAll();
        queue.drain();
    }

    RestCarrierApi api(SecretsManagerClient secrets) {
        return new RestCarrierApi(new RestCarrierConfig("acme", URI.create(carrierApi.baseUrl()),
                CarrierSecret.apiKey(secrets, API_KEY_SECRET, clock), "+14155550100",
                URI.create("https://calls.example/carrier-webhooks/acme"), "sip:{connectionId}@media.calling.example",
                Duration.ofMillis(500), Duration.ofSeconds(2)));
    }

    static void carrierTakesCallsWith(String key) {
        carrierApi.resetAll();
        carrierApi.stubFor(post("/v1/calls").willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withBody("{\"error\":\"unauthorized\"}")));
        carrierApi.stubFor(post("/v1/calls").withHeader("Authorization", equalTo("Bearer " + key))
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody("{\"callId\":\"CA-" + key + "\",\"status\":\"queued\"}")));
    }

    static ClientReference reference() {
        return new ClientReference("call-" + UUID.randomUUID(), 1);
    }

    @Test
    void aRotatedApiKeyRefusedWith401IsReadAgainAndTheRequestSentOnceMoreWithTheNewKey() {
        secretsManager.put(API_KEY_SECRET, "{\"apiKey\":\"key-one\"}");
        RestCarrierApi api = api(client);
        carrierTakesCallsWith("key-one");
        assertThat(api.placeCall("+442071838750", reference())).isEqualTo(new RestCarrierApi.DialReply.Placed("CA-key-one"));

        secretsManager.put(API_KEY_SECRET, "{\"apiKey\":\"key-two\"}");
        carrierTakesCallsWith("key-two"); // the carrier revoked key-one
        clock.pass(Duration.ofSeconds(30)); // well within the cache's refresh interval
        int reads = secretsManager.reads();

        assertThat(api.placeCall("+442071838750", reference())).isEqualTo(new RestCarrierApi.DialReply.Placed("CA-key-two"));
        assertThat(secretsManager.reads()).as("read again once, on the 401").isEqualTo(reads + 1);
        carrierApi.verify(1, postRequestedFor(urlEqualTo("/v1/calls")).withHeader("Authorization", equalTo("Bearer key-one")));
        carrierApi.verify(1, postRequestedFor(urlEqualTo("/v1/calls")).withHeader("Authorization", equalTo("Bearer key-two")));
    }

    @Test
    void aKeyTheCarrierStillRefusesAfterOneRereadFailsTheDialOverWithoutFurtherTries() {
        secretsManager.put(API_KEY_SECRET, "{\"apiKey\":\"key-one\"}");
        RestCarrierApi api = api(client);
        carrierTakesCallsWith("key-elsewhere");

        assertThat(api.placeCall("+442071838750", reference())).isInstanceOfSatisfying(RestCarrierApi.DialReply.NotPlaced.class,
                failed -> assertThat(failed.cause()).contains("HTTP 401"));
        assertThat(carrierApi.findAll(postRequestedFor(urlEqualTo("/v1/calls")))).as("a 401 from a key just read: no retry")
                .hasSize(1);

        clock.pass(Duration.ofMinutes(1));
        assertThat(api.placeCall("+442071838750", reference())).isInstanceOf(RestCarrierApi.DialReply.NotPlaced.class);
        assertThat(carrierApi.findAll(postRequestedFor(urlEqualTo("/v1/calls")))).as("one retry with the key read again")
                .hasSize(3);
    }

    @Test
    void aSecretsManagerOutageBuildsTheCarrierAndFailsDialsOverUntilTheKeyCanBeRead() throws IOException {
        secretsManager.put(API_KEY_SECRET, "{\"apiKey\":\"key-one\"}");
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        try (SecretsManagerClient unreachable = SecretsManagerClients.create("us-east-1",
                Optional.of(URI.create("http://127.0.0.1:" + deadPort)))) {
            RestCarrierApi api = api(unreachable); // building the adapter reads nothing
            carrierTakesCallsWith("key-one");

            assertThat(api.placeCall("+442071838750", reference())).isInstanceOfSatisfying(
                    RestCarrierApi.DialReply.NotPlaced.class, failed -> {
                        assertThat(failed.sipCode()).isZero();
                        assertThat(failed.cause()).contains("API key unavailable");
                    });
            assertThatThrownBy(() -> api.hangUp("CA-1")).isInstanceOf(CarrierApiException.class)
                    .hasMessageContaining("API key unavailable");
            carrierApi.verify(0, postRequestedFor(urlEqualTo("/v1/calls")));
        }
        assertThat(api(client).placeCall("+442071838750", reference())).isEqualTo(new RestCarrierApi.DialReply.Placed("CA-key-one"));
    }

    CarrierWebhook webhook(CarrierSecret<List<String>> secrets) {
        return new CarrierWebhook(provider -> provider.equals("acme") ? Optional.of(secrets) : Optional.empty(), legs,
                new SqsCallStateChanges(aws.clients().sqs(), queue.url()), (provider, id) -> { },
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    static WebhookResult deliver(CarrierWebhook webhook, String signingSecret) {
        String unique = UUID.randomUUID().toString().substring(0, 8);
        byte[] body = """
                {"callId":"CA-%s","clientReference":"call-%s:1","sequence":1,"status":"ringing","timestamp":"%s"}"""
                .formatted(unique, unique, NOW).getBytes(StandardCharsets.UTF_8);
        return webhook.handle("acme", Map.of("x-carrier-timestamp", Long.toString(NOW.getEpochSecond()),
                "x-carrier-signature", WebhookSignature.sign(signingSecret, NOW.getEpochSecond(), body)), body);
    }

    @Test
    void duringARotationCallbacksSignedWithTheOldOrTheNewSecretAreTakenAndAfterItOnlyTheNewOne() {
        secretsManager.put(WEBHOOK_SECRET, "{\"webhookSecrets\":[\"whsec_new\",\"whsec_old\"]}");
        CarrierWebhook webhook = webhook(CarrierSecret.webhookSecrets(client, WEBHOOK_SECRET, clock));

        assertThat(deliver(webhook, "whsec_old")).isInstanceOf(WebhookResult.Accepted.class);
        assertThat(deliver(webhook, "whsec_new")).isInstanceOf(WebhookResult.Accepted.class);
        assertThat(queue.drain()).hasSize(2);

        secretsManager.put(WEBHOOK_SECRET, "{\"webhookSecrets\":[\"whsec_new\"]}");
        clock.pass(CarrierSecret.REFRESH_AFTER.plusSeconds(1));
        assertThat(deliver(webhook, "whsec_old")).isInstanceOfSatisfying(WebhookResult.Rejected.class,
                refused -> assertThat(refused.status()).isEqualTo(401));
        assertThat(deliver(webhook, "whsec_new")).isInstanceOf(WebhookResult.Accepted.class);
    }

    @Test
    void aCallbackSignedWithASecretAddedSinceTheLastReadIsTakenAfterOneReread() {
        secretsManager.put(WEBHOOK_SECRET, "{\"webhookSecrets\":[\"whsec_old\"]}");
        CarrierWebhook webhook = webhook(CarrierSecret.webhookSecrets(client, WEBHOOK_SECRET, clock));
        assertThat(deliver(webhook, "whsec_old")).isInstanceOf(WebhookResult.Accepted.class);

        secretsManager.put(WEBHOOK_SECRET, "{\"webhookSecrets\":[\"whsec_new\",\"whsec_old\"]}");
        clock.pass(Duration.ofSeconds(30)); // the cache still holds only whsec_old
        int reads = secretsManager.reads();

        assertThat(deliver(webhook, "whsec_new")).isInstanceOf(WebhookResult.Accepted.class);
        assertThat(secretsManager.reads()).isEqualTo(reads + 1);
        assertThat(deliver(webhook, "whsec_old")).isInstanceOf(WebhookResult.Accepted.class);
        assertThat(secretsManager.reads()).as("the fresh read is cached").isEqualTo(reads + 1);
        assertThat(queue.drain()).hasSize(3);
    }

    @Test
    void aCallbackSignedWithNeitherSecretIsRefusedAfterOneRereadAndAFloodOfThemReadsNoMore() {
        secretsManager.put(WEBHOOK_SECRET, "{\"webhookSecrets\":[\"whsec_new\",\"whsec_old\"]}");
        CarrierWebhook webhook = webhook(CarrierSecret.webhookSecrets(client, WEBHOOK_SECRET, clock));
        assertThat(deliver(webhook, "whsec_new")).isInstanceOf(WebhookResult.Accepted.class);
        queue.drain();
        clock.pass(Duration.ofSeconds(30));
        int reads = secretsManager.reads();

        for (int i = 0; i < 5; i++) {
            assertThat(deliver(webhook, "whsec_forged")).isEqualTo(
                    new WebhookResult.Rejected(401, "Signature refused", WebhookSignature.MISMATCH));
        }
        assertThat(secretsManager.reads()).as("one re-read, then the cache's re-read interval holds").isEqualTo(reads + 1);
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void theSecretsNeverShowInWhatIsPrinted() {
        secretsManager.put(API_KEY_SECRET, "{\"apiKey\":\"key-one\"}");
        secretsManager.put(WEBHOOK_SECRET, "{\"webhookSecrets\":\"whsec_not_a_list\"}");
        CarrierSecret<String> key = CarrierSecret.apiKey(client, API_KEY_SECRET, clock);
        CarrierSecret<List<String>> webhookSecrets = CarrierSecret.webhookSecrets(client, WEBHOOK_SECRET, clock);

        assertThat(key.get()).isEqualTo("key-one");
        assertThat(key.toString()).doesNotContain("key-one").contains(API_KEY_SECRET);
        assertThatThrownBy(webhookSecrets::get).hasMessageContaining("webhookSecrets").hasMessageNotContaining("whsec_");
    }
}
