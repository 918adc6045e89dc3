package dev.calling.carrier.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.embedded.EmbeddedAwsTestResource;
import dev.calling.embedded.SecretsManagerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The packaged Lambda, invoked through Quarkus's mock Lambda event server (port 8083) with the
 * signed API Gateway samples from {@code events-samples/carrier-webhook/}, against dynalite
 * and ElasticMQ; the Twilio carrier's auth token is read from a Secrets Manager stub.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedAwsTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SecretsManagerTestResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CarrierWebhookLambdaTest {

    static DynamoDbClient dynamoDb;
    static SqsClient sqs;

    /** The sample Twilio account's secret, as the %test profile names it; the token signed the twilio-* samples. */
    static final String TWILIO_SECRET = "arn:aws:secretsmanager:us-east-1:000000000000:secret:calling/twilio-sample-AbCdEf";
    static final String TWILIO_SID = "CA" + "a".repeat(30) + "01";
    /** The sample REST carrier's webhook secret, as the %test profile names it; whsec_test_acme signed the samples. */
    static final String ACME_WEBHOOK_SECRET = "calling/test/acme/webhook";

    @BeforeAll
    static void clients() {
        dynamoDb = EmbeddedAwsTestResource.current().clients().dynamoDb();
        sqs = EmbeddedAwsTestResource.current().clients().sqs();
        SecretsManagerTestResource.current().put(TWILIO_SECRET, "{\"authToken\":\"twilio_sample_auth_token_0000000\"}");
        SecretsManagerTestResource.current().put(ACME_WEBHOOK_SECRET, "{\"webhookSecrets\":[\"whsec_test_acme\"]}");
    }

    @AfterAll
    static void close() {
        dynamoDb.close();
        sqs.close();
    }

    static String sample(String name) throws Exception {
        return Files.readString(Path.of(System.getProperty("events.samples.dir"), "carrier-webhook", name));
    }

    static JsonPath invoke(String event) {
        return given().contentType("application/json").body(event)
                .when().post()
                .then().statusCode(200)
                .extract().jsonPath();
    }

    static List<CallEvent> drainCallStateChanges() {
        String url = EmbeddedAwsTestResource.current().queueUrl(Resources.CALL_STATE_CHANGES);
        List<CallEvent> events = new ArrayList<>();
        while (true) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                    .waitTimeSeconds(events.isEmpty() ? 1 : 0)).messages();
            if (batch.isEmpty()) {
                return events;
            }
            batch.forEach(m -> sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle())));
            batch.forEach(m -> events.add(Json.readCallEvent(m.body())));
        }
    }

    @Test
    @Order(1)
    void signedRingingCallbackIsTakenAndPutOnTheCallStateQueue() throws Exception {
        JsonPath response = invoke(sample("ringing.json"));

        assertThat(response.getInt("statusCode")).isEqualTo(204);
        assertThat(drainCallStateChanges()).containsExactly(new CallEvent.CallRinging("acme:CA-sample-0001:1",
                "sample-call-1", Instant.parse("2026-11-23T09:59:50Z"), 1, 1));
        assertThat(new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), Clock.systemUTC())
                .byCall("sample-call-1", 1)).map(CarrierLeg::carrierLegId).contains("CA-sample-0001");
    }

    @Test
    @Order(2)
    void base64EncodedBodiesAreVerifiedOnTheirDecodedBytes() throws Exception {
        assertThat(invoke(sample("answered.json")).getInt("statusCode")).isEqualTo(204);
        assertThat(invoke(sample("completed.json")).getInt("statusCode")).isEqualTo(204);
        assertThat(invoke(sample("busy.json")).getInt("statusCode")).isEqualTo(204);

        assertThat(drainCallStateChanges()).containsExactlyInAnyOrder(
                new CallEvent.CallAnswered("acme:CA-sample-0001:2", "sample-call-1",
                        Instant.parse("2026-11-23T09:59:55Z"), 1, 2, "CA-sample-0001"),
                new CallEvent.CallHungUp("acme:CA-sample-0001:3", "sample-call-1",
                        Instant.parse("2026-11-23T09:59:59Z"), 1, 3, Party.CALLEE),
                new CallEvent.CallFailed("acme:CA-sample-0002:1", "sample-call-2",
                        Instant.parse("2026-11-23T09:59:58Z"), 1, 1, 486, "busy"));
    }

    @Test
    @Order(3)
    void aTamperedBodyIsRefusedWithProblemJsonAndNothingIsQueued() throws Exception {
        String forged = sample("ringing.json").replace("\\\"status\\\":\\\"ringing\\\"", "\\\"status\\\":\\\"answered\\\"")
                .replace("sample-call-1:1", "sample-call-9:1");
        assertThat(forged).isNotEqualTo(sample("ringing.json"));

        JsonPath response = invoke(forged);

        assertThat(response.getInt("statusCode")).isEqualTo(401);
        assertThat(response.getString("headers.Content-Type")).isEqualTo("application/problem+json");
        JsonPath problem = JsonPath.from(response.getString("body"));
        assertThat(problem.getInt("status")).isEqualTo(401);
        assertThat(problem.getString("title")).isEqualTo("Signature refused");
        assertThat(problem.getString("detail")).isEqualTo("signature does not match");
        assertThat(drainCallStateChanges()).isEmpty();
    }

    @Test
    @Order(4)
    void anUnknownCarrierIsRefusedWith404() throws Exception {
        String other = sample("ringing.json").replace("\"providerId\": \"acme\"", "\"providerId\": \"other\"");

        assertThat(invoke(other).getInt("statusCode")).isEqualTo(404);
        assertThat(drainCallStateChanges()).isEmpty();
    }

    @Test
    @Order(5)
    void aSignedTwilioCallbackIsAnsweredWithEmptyTwimlAndBecomesItsCallEvent() throws Exception {
        int reads = SecretsManagerTestResource.current().reads();
        JsonPath response = invoke(sample("twilio-ringing.json"));

        assertThat(response.getInt("statusCode")).isEqualTo(200);
        assertThat(response.getString("headers.Content-Type")).isEqualTo("text/xml");
        assertThat(response.getString("body")).isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
        assertThat(drainCallStateChanges()).containsExactly(new CallEvent.CallRinging("twilio:" + TWILIO_SID + ":0",
                "sample-call-3", Instant.parse("2026-11-23T09:59:50Z"), 1, 1));
        assertThat(new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), Clock.systemUTC())
                .byCall("sample-call-3", 1)).map(CarrierLeg::carrierLegId).contains(TWILIO_SID);
        assertThat(SecretsManagerTestResource.current().reads()).isEqualTo(reads + 1);
    }

    @Test
    @Order(6)
    void aForgedOrTamperedTwilioCallbackIsRefusedAndNothingIsQueued() throws Exception {
        String tampered = sample("twilio-busy.json").replace("CallStatus=busy", "CallStatus=in-progress");
        String unsigned = sample("twilio-busy.json").replace("\"x-twilio-signature\"", "\"x-other\"");
        String moved = sample("twilio-busy.json").replace("callId=sample-call-4", "callId=sample-call-5");
        assertThat(List.of(tampered, unsigned, moved)).doesNotContain(sample("twilio-busy.json"));

        for (String forged : List.of(tampered, unsigned, moved)) {
            JsonPath response = invoke(forged);
            assertThat(response.getInt("statusCode")).isEqualTo(403);
            assertThat(response.getString("headers.Content-Type")).isEqualTo("application/problem+json");
            assertThat(JsonPath.from(response.getString("body")).getString("title")).isEqualTo("Signature refused");
        }
        assertThat(drainCallStateChanges()).isEmpty();
    }

    @Test
    @Order(7)
    void theRestOfTheTwilioSamplesBecomeTheirEventsBase64BodiesIncluded() throws Exception {
        for (String file : List.of("twilio-answered.json", "twilio-completed.json", "twilio-busy.json")) {
            assertThat(invoke(sample(file)).getInt("statusCode")).as(file).isEqualTo(200);
        }

        assertThat(drainCallStateChanges()).containsExactlyInAnyOrder(
                new CallEvent.CallAnswered("twilio:" + TWILIO_SID + ":1", "sample-call-3",
                        Instant.parse("2026-11-23T09:59:55Z"), 1, 2, TWILIO_SID),
                new CallEvent.CallHungUp("twilio:" + TWILIO_SID + ":2", "sample-call-3",
                        Instant.parse("2026-11-23T10:00:37Z"), 1, 3, Party.CALLEE),
                new CallEvent.CallFailed("twilio:CA" + "a".repeat(30) + "02:0", "sample-call-4",
                        Instant.parse("2026-11-23T09:59:58Z"), 1, 1, 486, "busy"));
    }
}
