package dev.calling.carrier.twilio;

import dev.calling.embedded.CallStateChangesQueue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.embedded.EmbeddedAws;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The sample callbacks in {@code events-samples/carrier-webhook/twilio-*.json} (API Gateway HTTP API
 * payload 2.0 events, as the CarrierWebhook Lambda will receive them) pass the status callback and
 * become the events they are documented to be. Their signatures were computed outside Java (README.md,
 * "Sample callbacks"), so this also checks the signature against an independent implementation.
 */
class TwilioCallbackSamplesTest {

    static final String SAMPLE_ACCOUNT = "AC" + "a".repeat(32);
    static final String SAMPLE_AUTH_TOKEN = "twilio_sample_auth_token_0000000";
    static final String SID = "CA" + "a".repeat(30) + "01";
    static final String BUSY_SID = "CA" + "a".repeat(30) + "02";

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static CallStateChangesQueue queue;
    static TwilioStatusCallback webhook;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        queue = new CallStateChangesQueue(aws, sqs);
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:01:00Z"), ZoneOffset.UTC);
        TwilioConfig config = new TwilioConfig("twilio", SAMPLE_ACCOUNT, null, "+14155550100",
                URI.create("https://calls.example/carrier-webhooks/twilio"), "", null, null, Duration.ofSeconds(60),
                Duration.ofHours(4), Duration.ofSeconds(60), Duration.ofSeconds(2), Duration.ofSeconds(5),
                URI.create("http://unused.invalid"), Duration.ofHours(1), Duration.ofHours(1),
                () -> new TwilioSecrets(SAMPLE_AUTH_TOKEN, null));
        webhook = new TwilioStatusCallback(new TwilioApi(config),
                new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), clock),
                new SqsCallStateChanges(sqs, queue.url()), clock);
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        sqs.close();
        aws.close();
    }

    static Path samples() {
        return Path.of(System.getProperty("events.samples.dir", "../../events-samples"), "carrier-webhook");
    }

    static TwilioWebhookResult deliver(String file) throws IOException {
        JsonNode event = new ObjectMapper().readTree(Files.readString(samples().resolve(file)));
        String body = event.path("body").asText();
        byte[] bytes = event.path("isBase64Encoded").asBoolean()
                ? Base64.getDecoder().decode(body)
                : body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new HashMap<>();
        event.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        return webhook.handle(event.path("rawQueryString").asText(), headers, bytes);
    }

    @Test
    void theSampleCallsCallbacksBecomeTheirEvents() throws IOException {
        for (String file : new String[] {"twilio-ringing.json", "twilio-answered.json", "twilio-completed.json",
                "twilio-busy.json"}) {
            assertThat(deliver(file)).as(file).isInstanceOf(TwilioWebhookResult.Accepted.class);
        }

        assertThat(queue.drain()).containsExactly(
                new CallEvent.CallRinging("twilio:" + SID + ":0", "sample-call-3",
                        Instant.parse("2026-11-23T09:59:50Z"), 1, 1),
                new CallEvent.CallAnswered("twilio:" + SID + ":1", "sample-call-3",
                        Instant.parse("2026-11-23T09:59:55Z"), 1, 2, SID),
                new CallEvent.CallHungUp("twilio:" + SID + ":2", "sample-call-3",
                        Instant.parse("2026-11-23T10:00:37Z"), 1, 3, Party.CALLEE),
                new CallEvent.CallFailed("twilio:" + BUSY_SID + ":0", "sample-call-4",
                        Instant.parse("2026-11-23T09:59:58Z"), 1, 1, 486, "busy"));
    }
}
