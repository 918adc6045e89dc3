package dev.calling.push.sns;

import dev.calling.embedded.SnsStub;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.devices.DynamoDbDevices;
import dev.calling.core.push.Device;
import dev.calling.core.push.PushKind;
import dev.calling.core.push.PushPlatform;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The packaged PushSender Lambda, invoked through Quarkus's mock Lambda event server (port 8092) with the
 * sample batch {@code events-samples/push/call-pushes-batch.json}, against dynalite (markers), ElasticMQ and the
 * SNS Query API stub, its devices in the real table: a ring to sample-bob's iPhone and Android phone, a missed-call notice to sample-carol
 * whose pushes SNS throttles, and an unreadable message.
 */
@QuarkusTest
@QuarkusTestResource(value = PushStackTestResource.class, restrictToAnnotatedClass = true)
class PushSenderLambdaTest {

    static final String RING_CALL = "call-5a3c0f6e9b2d4c1e8f7a6b5c4d3e2f10";
    static final String MISSED_CALL = "call-7e1d2c3b4a5f60718293a4b5c6d7e8f9";
    static final String BOB_IPHONE_TOKEN = "d4".repeat(32);
    static final String BOB_PIXEL_TOKEN = "bob-pixel:APA91bH" + "p".repeat(60);
    static final String CAROL_PIXEL_TOKEN = "carol-pixel:APA91bH" + "q".repeat(60);

    static String batch() throws Exception {
        String sample = Files.readString(Path.of(System.getProperty("events.samples.dir"), "push",
                "call-pushes-batch.json"));
        // The ring must still be ringing when the function runs on the real clock.
        return sample.replace("RING_UNTIL", Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.SECONDS).toString());
    }

    static List<String> invoke(String event) {
        return given().contentType("application/json").body(event).when().post().then().statusCode(200)
                .extract().jsonPath().getList("batchItemFailures.itemIdentifier", String.class);
    }

    @Test
    void aBatchRingsBobsDevicesOnceRetriesOnlyCarolsThrottledNoticeAndDeadLettersTheUnreadable() throws Exception {
        var aws = PushStackTestResource.aws();
        var sns = PushStackTestResource.sns();
        try (DynamoDbClient dynamoDb = aws.clients().dynamoDb(); SqsClient sqs = aws.clients().sqs()) {
            var devices = new DynamoDbDevices(dynamoDb, Resources.DEVICES.name()); // the function's own table
            Instant registered = Instant.parse("2026-12-01T09:00:00Z");
            devices.register(new Device("sample-bob", "bob-iphone", PushPlatform.APNS_VOIP, BOB_IPHONE_TOKEN, null,
                    registered));
            devices.register(new Device("sample-bob", "bob-pixel", PushPlatform.FCM, BOB_PIXEL_TOKEN, null, registered));
            devices.register(new Device("sample-carol", "carol-pixel", PushPlatform.FCM, CAROL_PIXEL_TOKEN, null,
                    registered));
            sns.alwaysFailPublish(CAROL_PIXEL_TOKEN, 400, "Throttling");
            String event = batch();
            var markers = new PushMarkers(dynamoDb, Resources.PUSH_MARKERS.name());

            assertThat(invoke(event)).containsExactly("m-missed");

            assertThat(sns.publishesTo(BOB_IPHONE_TOKEN)).singleElement().satisfies(publish -> {
                assertThat(publish.get("Message")).contains("APNS_VOIP").contains("incoming-call");
                assertThat(SnsStub.messageAttributes(publish))
                        .containsEntry("AWS.SNS.MOBILE.APNS.PUSH_TYPE", List.of("String", "voip"));
            });
            assertThat(sns.publishesTo(BOB_PIXEL_TOKEN)).singleElement()
                    .satisfies(publish -> assertThat(publish.get("Message")).contains("fcmV1Message"));
            assertThat(markers.exists(PushMarkers.key(MISSED_CALL, "carol-pixel", PushKind.MISSED))).isFalse();
            var deadLetters = sqs.receiveMessage(r -> r.queueUrl(aws.deadLetterQueueUrl(Resources.CALL_PUSHES))
                    .maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
            assertThat(deadLetters).singleElement()
                    .satisfies(m -> assertThat(m.body()).isEqualTo("{\"type\":\"PushCallee\",\"callId\":"));

            // SQS delivers the failed message again (here: the whole batch, as a duplicate would be).
            sns.heal(CAROL_PIXEL_TOKEN);
            assertThat(invoke(event)).isEmpty();

            assertThat(sns.publishesTo(BOB_IPHONE_TOKEN)).hasSize(1);
            assertThat(sns.publishesTo(BOB_PIXEL_TOKEN)).hasSize(1);
            var carols = sns.publishesTo(CAROL_PIXEL_TOKEN);
            assertThat(carols).hasSize(SnsClients.MAX_ATTEMPTS + 1);
            assertThat(carols.get(SnsClients.MAX_ATTEMPTS).get("Message")).contains("sample-alice called you");
            assertThat(markers.exists(PushMarkers.key(MISSED_CALL, "carol-pixel", PushKind.MISSED))).isTrue();
            assertThat(markers.exists(PushMarkers.key(RING_CALL, "bob-iphone", PushKind.RING))).isTrue();
            assertThat(sns.requests("CreatePlatformEndpoint")).extracting(c -> c.get("PlatformApplicationArn"))
                    .containsOnly(PushStackTestResource.VOIP_APP, PushStackTestResource.FCM_APP);
            assertThat(devices.of("sample-bob")).hasSize(2);
        }
    }
}
