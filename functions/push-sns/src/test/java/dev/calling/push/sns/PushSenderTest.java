package dev.calling.push.sns;

import dev.calling.embedded.MovingClock;
import dev.calling.embedded.SnsStub;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.Resources;
import dev.calling.core.call.CallCommand;
import dev.calling.core.push.Device;
import dev.calling.core.push.PushKind;
import dev.calling.core.push.PushPlatform;
import dev.calling.embedded.EmbeddedAws;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * The push sender with the real SNS client against a stub of the SNS Query API ({@link SnsStub}), its markers
 * in the real push-markers table (dynalite), devices in memory.
 */
class PushSenderTest {

    static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
    static final ObjectMapper JSON = new ObjectMapper();

    static final String VOIP_APP = SnsStub.application("APNS_VOIP", "calling-voip");
    static final String VOIP_SANDBOX_APP = SnsStub.application("APNS_VOIP_SANDBOX", "calling-voip-dev");
    static final String APNS_APP = SnsStub.application("APNS", "calling");
    static final String FCM_APP = SnsStub.application("GCM", "calling-android");

    static final String IPHONE_TOKEN = "a1".repeat(32);
    static final String IPHONE_ALERT_TOKEN = "b2".repeat(32);
    static final String DEV_IPHONE_TOKEN = "c3".repeat(32);
    static final String PIXEL_TOKEN = "fcm-token-pixel:APA91bH" + "x".repeat(60);
    static final String TABLET_TOKEN = "fcm-token-tablet:APA91bH" + "y".repeat(60);

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SnsStub stub;
    static SnsClient sns;

    final MovingClock clock = new MovingClock(NOW);
    InMemoryDevices devices;
    PushMarkers markers;
    PushSender sender;
    String callId;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        stub = SnsStub.start();
        sns = SnsClients.create(EmbeddedAws.REGION, Optional.of(stub.endpoint()), Duration.ofSeconds(1));
    }

    @AfterAll
    static void stop() {
        sns.close();
        stub.close();
        dynamoDb.close();
        aws.close();
    }

    @BeforeEach
    void fresh() {
        stub.reset();
        devices = new InMemoryDevices();
        markers = new PushMarkers(dynamoDb, Resources.PUSH_MARKERS.name());
        sender = sender(PlatformApplications.of(Map.of(SnsPlatform.APNS_VOIP, VOIP_APP,
                SnsPlatform.APNS_VOIP_SANDBOX, VOIP_SANDBOX_APP, SnsPlatform.APNS, APNS_APP, SnsPlatform.GCM, FCM_APP)));
        callId = "call-" + UUID.randomUUID();
    }

    PushSender sender(PlatformApplications applications) {
        return new PushSender(devices, markers, new SnsPushGateway(sns, applications), clock);
    }

    Device iphone(String alertToken) {
        return devices.register(new Device("bob", "bob-iphone", PushPlatform.APNS_VOIP, IPHONE_TOKEN, alertToken,
                NOW.minus(Duration.ofDays(3))));
    }

    Device devIphone() {
        return devices.register(new Device("bob", "bob-dev-iphone", PushPlatform.APNS_VOIP_SANDBOX, DEV_IPHONE_TOKEN,
                null, NOW.minus(Duration.ofDays(2))));
    }

    Device pixel() {
        return devices.register(new Device("bob", "bob-pixel", PushPlatform.FCM, PIXEL_TOKEN, null,
                NOW.minus(Duration.ofDays(1))));
    }

    Device tablet() {
        return devices.register(new Device("bob", "bob-tablet", PushPlatform.FCM, TABLET_TOKEN, null,
                NOW.minus(Duration.ofHours(1))));
    }

    CallCommand.PushCallee ring(Duration ringsFor, String... deviceIds) {
        return new CallCommand.PushCallee(callId, "alice", "bob", PushKind.RING, List.of(deviceIds), NOW.plus(ringsFor));
    }

    CallCommand.PushCallee push(PushKind kind, String... deviceIds) {
        return new CallCommand.PushCallee(callId, "alice", "bob", kind, List.of(deviceIds), null);
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    /** The platform payload of a Publish request (the string under the platform's key of its JSON message). */
    static JsonNode payload(Map<String, String> publish, String key) {
        JsonNode message = json(publish.get("Message"));
        assertThat(message.path("default").isTextual()).as("default text, as Publish requires").isTrue();
        assertThat(message.path(key).isTextual()).as(key + " payload is a string").isTrue();
        return json(message.path(key).asText());
    }

    boolean marked(String deviceId, PushKind kind) {
        return markers.exists(PushMarkers.key(callId, deviceId, kind));
    }

    @Test
    void aRingGoesToAnApnsVoipDeviceAsAVoipPushExpiringWithTheRinging() {
        iphone(null);

        var report = sender.handle(ring(Duration.ofMillis(45_700), "bob-iphone"));

        assertThat(report.sent()).containsExactly("bob-iphone");
        var created = stub.requests("CreatePlatformEndpoint");
        assertThat(created).singleElement().satisfies(create -> {
            assertThat(create.get("PlatformApplicationArn")).isEqualTo(VOIP_APP);
            assertThat(create.get("Token")).isEqualTo(IPHONE_TOKEN);
            assertThat(create.get("CustomUserData")).isEqualTo("bob/bob-iphone");
        });
        var publishes = stub.requests("Publish");
        assertThat(publishes).singleElement().satisfies(publish -> {
            assertThat(publish.get("TargetArn")).isEqualTo(stub.endpointOf(IPHONE_TOKEN))
                    .contains(":endpoint/APNS_VOIP/calling-voip/");
            assertThat(publish.get("MessageStructure")).isEqualTo("json");
            assertThat(json(publish.get("Message")).fieldNames()).toIterable().containsExactlyInAnyOrder("default",
                    "APNS_VOIP");
            JsonNode body = payload(publish, "APNS_VOIP");
            assertThat(body).isEqualTo(json("{\"aps\":{},\"type\":\"incoming-call\",\"callId\":\"" + callId
                    + "\",\"caller\":\"alice\",\"ringUntil\":\"2026-12-05T10:00:45.700Z\"}"));
            // 45.7 s left: whole seconds, never past the ring timeout.
            assertThat(SnsStub.messageAttributes(publish)).containsOnly(
                    Map.entry("AWS.SNS.MOBILE.APNS.PUSH_TYPE", List.of("String", "voip")),
                    Map.entry("AWS.SNS.MOBILE.APNS.PRIORITY", List.of("String", "10")),
                    Map.entry("AWS.SNS.MOBILE.APNS.TTL", List.of("String", "45")),
                    Map.entry("AWS.SNS.MOBILE.APNS_VOIP.TTL", List.of("String", "45")));
        });
        assertThat(marked("bob-iphone", PushKind.RING)).isTrue();
    }

    @Test
    void aRingGoesToAnFcmDeviceAsAHighPriorityDataMessageAndToASandboxDeviceThroughTheSandbox() {
        pixel();
        devIphone();
        clock.set(NOW.plusSeconds(15)); // the command waited 15 s on its queue

        var report = sender.handle(ring(Duration.ofSeconds(45), "bob-pixel", "bob-dev-iphone"));

        assertThat(report.sent()).containsExactlyInAnyOrder("bob-pixel", "bob-dev-iphone");
        assertThat(stub.requests("CreatePlatformEndpoint")).extracting(c -> c.get("PlatformApplicationArn"))
                .containsExactlyInAnyOrder(FCM_APP, VOIP_SANDBOX_APP);
        assertThat(stub.publishesTo(PIXEL_TOKEN)).singleElement().satisfies(publish -> {
            assertThat(json(publish.get("Message")).has("GCM")).isTrue();
            JsonNode message = payload(publish, "GCM").path("fcmV1Message").path("message");
            assertThat(message.has("notification")).as("data only: the app rings, not the system").isFalse();
            assertThat(message.path("data")).isEqualTo(json("{\"type\":\"incoming-call\",\"callId\":\"" + callId
                    + "\",\"caller\":\"alice\",\"ringUntil\":\"2026-12-05T10:00:45Z\"}"));
            assertThat(message.path("android")).isEqualTo(json("{\"priority\":\"high\",\"ttl\":\"30s\"}"));
            assertThat(SnsStub.messageAttributes(publish))
                    .containsOnly(Map.entry("AWS.SNS.MOBILE.FCM.TTL", List.of("String", "30")));
        });
        assertThat(stub.publishesTo(DEV_IPHONE_TOKEN)).singleElement().satisfies(publish -> {
            assertThat(payload(publish, "APNS_VOIP_SANDBOX").path("type").asText()).isEqualTo("incoming-call");
            assertThat(SnsStub.messageAttributes(publish))
                    .containsEntry("AWS.SNS.MOBILE.APNS.PUSH_TYPE", List.of("String", "voip"))
                    .containsEntry("AWS.SNS.MOBILE.APNS_VOIP_SANDBOX.TTL", List.of("String", "30"));
        });
    }

    @Test
    void aDuplicatedCommandSendsOncePerDevice() {
        iphone(null);
        pixel();
        var command = ring(Duration.ofSeconds(45), "bob-iphone", "bob-pixel");

        sender.handle(command);
        var again = sender.handle(command);

        assertThat(again.sent()).isEmpty();
        assertThat(again.duplicates()).containsExactlyInAnyOrder("bob-iphone", "bob-pixel");
        assertThat(stub.publishesTo(IPHONE_TOKEN)).hasSize(1);
        assertThat(stub.publishesTo(PIXEL_TOKEN)).hasSize(1);
        // Another kind for the same call and device is another push.
        sender.handle(push(PushKind.CANCEL, "bob-pixel"));
        assertThat(stub.publishesTo(PIXEL_TOKEN)).hasSize(2);
    }

    @Test
    void theSameCommandHandledByTwoThreadsAtOnceSendsOncePerDevice() throws Exception {
        iphone(null);
        pixel();
        tablet();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                callId = "call-" + UUID.randomUUID();
                var command = ring(Duration.ofSeconds(45), "bob-iphone", "bob-pixel", "bob-tablet");
                CountDownLatch go = new CountDownLatch(1);
                Callable<PushSender.Report> handle = () -> {
                    go.await();
                    return sender.handle(command);
                };
                List<Future<PushSender.Report>> both = List.of(threads.submit(handle), threads.submit(handle));
                go.countDown();
                List<String> sent = new ArrayList<>();
                for (Future<PushSender.Report> one : both) {
                    sent.addAll(one.get().sent());
                }
                assertThat(sent).as("round " + round).containsExactlyInAnyOrder("bob-iphone", "bob-pixel", "bob-tablet");
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(stub.publishesTo(IPHONE_TOKEN)).hasSize(5);
        assertThat(stub.publishesTo(PIXEL_TOKEN)).hasSize(5);
        assertThat(stub.publishesTo(TABLET_TOKEN)).hasSize(5);
    }

    @Test
    void aDisabledEndpointRemovesTheDeviceAndDeletesTheEndpointWithoutRetry() {
        iphone(null);
        pixel();
        sender.handle(ring(Duration.ofSeconds(45), "bob-iphone", "bob-pixel"));
        String pixelEndpoint = stub.endpointOf(PIXEL_TOKEN);
        stub.disable(PIXEL_TOKEN); // FCM told SNS the token is no longer registered

        callId = "call-" + UUID.randomUUID();
        var report = sender.handle(ring(Duration.ofSeconds(45), "bob-iphone", "bob-pixel"));

        assertThat(report.rejected()).containsExactly("bob-pixel");
        assertThat(report.sent()).containsExactly("bob-iphone");
        assertThat(devices.find("bob", "bob-pixel")).isEmpty();
        assertThat(devices.find("bob", "bob-iphone")).isPresent();
        assertThat(stub.requests("DeleteEndpoint")).singleElement()
                .satisfies(delete -> assertThat(delete.get("EndpointArn")).isEqualTo(pixelEndpoint));
        assertThat(marked("bob-pixel", PushKind.RING)).as("not retried").isTrue();
    }

    @Test
    void aTokenSnsRefusesRemovesTheDeviceUnlessItRegisteredANewTokenMeanwhile() {
        pixel();
        stub.refuseToken(PIXEL_TOKEN);

        var report = sender.handle(ring(Duration.ofSeconds(45), "bob-pixel"));

        assertThat(report.rejected()).containsExactly("bob-pixel");
        assertThat(devices.find("bob", "bob-pixel")).isEmpty();
        assertThat(stub.requests("Publish")).isEmpty();

        // The same device re-registered with a new token while the push was under way: kept.
        devices.register(new Device("bob", "bob-tablet", PushPlatform.FCM, TABLET_TOKEN, null, NOW));
        stub.refuseToken(TABLET_TOKEN);
        callId = "call-" + UUID.randomUUID();
        PushSender racing = new PushSender(new InMemoryDevices() {
            @Override
            public synchronized List<Device> of(String userId) {
                return devices.of(userId);
            }

            @Override
            public synchronized boolean removeIfToken(String userId, String deviceId, String token) {
                devices.register(new Device("bob", "bob-tablet", PushPlatform.FCM, "fresh-token-" + "z".repeat(40),
                        null, NOW));
                return devices.removeIfToken(userId, deviceId, token);
            }
        }, markers, new SnsPushGateway(sns, PlatformApplications.of(Map.of(SnsPlatform.GCM, FCM_APP))), clock);
        racing.handle(ring(Duration.ofSeconds(45), "bob-tablet"));
        assertThat(devices.find("bob", "bob-tablet")).get().extracting(Device::token)
                .isEqualTo("fresh-token-" + "z".repeat(40));
    }

    @Test
    void aTokenRegisteredBeforeForSomeoneElseIsTakenOverAndEnabled() {
        pixel();
        String endpoint = stub.existingEndpoint(FCM_APP, PIXEL_TOKEN, "carol/carol-old-phone", false);

        var report = sender.handle(ring(Duration.ofSeconds(45), "bob-pixel"));

        assertThat(report.sent()).containsExactly("bob-pixel");
        assertThat(stub.requests("SetEndpointAttributes")).singleElement().satisfies(set -> {
            assertThat(set.get("EndpointArn")).isEqualTo(endpoint);
            assertThat(Map.of(set.get("Attributes.entry.1.key"), set.get("Attributes.entry.1.value"),
                    set.get("Attributes.entry.2.key"), set.get("Attributes.entry.2.value")))
                    .containsOnly(Map.entry("Enabled", "true"), Map.entry("CustomUserData", "bob/bob-pixel"));
        });
        assertThat(stub.publishesTo(PIXEL_TOKEN)).singleElement()
                .satisfies(publish -> assertThat(publish.get("TargetArn")).isEqualTo(endpoint));
    }

    @Test
    void throttlingFailsTheCommandReleasesTheMarkerAndTheRetrySendsOnce() {
        iphone(null);
        pixel();
        // HTTP 400 Throttling, as long as the client's own tries last.
        stub.failPublish(PIXEL_TOKEN, 400, "Throttling", SnsClients.MAX_ATTEMPTS);
        var command = ring(Duration.ofSeconds(45), "bob-iphone", "bob-pixel");

        assertThatThrownBy(() -> sender.handle(command)).isInstanceOf(PushSender.PushesFailed.class)
                .hasMessageContaining("bob-pixel").hasMessageNotContaining(PIXEL_TOKEN);
        assertThat(marked("bob-pixel", PushKind.RING)).isFalse();
        assertThat(marked("bob-iphone", PushKind.RING)).isTrue();
        assertThat(stub.publishesTo(PIXEL_TOKEN)).as("the client's own tries").hasSize(SnsClients.MAX_ATTEMPTS);

        clock.set(NOW.plusSeconds(3)); // SQS delivers the command again
        var retry = sender.handle(command);

        assertThat(retry.sent()).containsExactly("bob-pixel");
        assertThat(retry.duplicates()).containsExactly("bob-iphone");
        assertThat(stub.publishesTo(PIXEL_TOKEN)).hasSize(SnsClients.MAX_ATTEMPTS + 1);
        assertThat(stub.publishesTo(IPHONE_TOKEN)).hasSize(1);
        assertThat(SnsStub.messageAttributes(stub.publishesTo(PIXEL_TOKEN).get(SnsClients.MAX_ATTEMPTS)))
                .containsEntry("AWS.SNS.MOBILE.FCM.TTL", List.of("String", "42"));
    }

    @Test
    void aDeviceWhosePushCouldNotEndBeforeTheInvocationDoesIsDeferredUnclaimedAndSentOnTheRetry() {
        iphone("e5".repeat(32));
        pixel();
        // Time moves 700 ms at every reading: after the first device, less than a device's budget is left.
        Clock slow = MovingClock.ticking(NOW, Duration.ofMillis(700));
        PushSender hurried = new PushSender(devices, markers, new SnsPushGateway(sns, PlatformApplications.of(Map.of(
                SnsPlatform.APNS_VOIP, VOIP_APP, SnsPlatform.APNS, APNS_APP, SnsPlatform.GCM, FCM_APP))), slow);
        var command = push(PushKind.MISSED, "bob-iphone", "bob-pixel");

        assertThatThrownBy(() -> hurried.handle(command, NOW.plus(PushSender.DEVICE_BUDGET).plusMillis(200)))
                .isInstanceOf(PushSender.PushesFailed.class).hasMessageContaining("deferred")
                .hasMessageContaining("bob-pixel");
        assertThat(marked("bob-iphone", PushKind.MISSED)).isTrue();
        assertThat(marked("bob-pixel", PushKind.MISSED)).as("not claimed: nothing was tried").isFalse();
        assertThat(stub.publishesTo(PIXEL_TOKEN)).isEmpty();

        var retry = sender.handle(command); // SQS delivers it again, to an invocation with time to spare
        assertThat(retry.sent()).containsExactly("bob-pixel");
        assertThat(retry.duplicates()).containsExactly("bob-iphone");
        assertThat(stub.publishesTo(PIXEL_TOKEN)).hasSize(1);
    }

    @Test
    void anSnsFailure5xxFailsTheCommandAndTheRetrySendsOnce() {
        pixel();
        stub.failPublish(PIXEL_TOKEN, 500, "InternalError", SnsClients.MAX_ATTEMPTS);
        var command = push(PushKind.MISSED, "bob-pixel");

        assertThatThrownBy(() -> sender.handle(command)).isInstanceOf(PushSender.PushesFailed.class);
        assertThat(marked("bob-pixel", PushKind.MISSED)).isFalse();

        assertThat(sender.handle(command).sent()).containsExactly("bob-pixel");
        assertThat(sender.handle(command).duplicates()).containsExactly("bob-pixel");
        assertThat(stub.publishesTo(PIXEL_TOKEN)).hasSize(SnsClients.MAX_ATTEMPTS + 1);
    }

    @Test
    void aThrottledAnswerTheClientRetriesIsOnePush() {
        pixel();
        stub.failPublish(PIXEL_TOKEN, 429, "Throttled", 1);

        assertThat(sender.handle(ring(Duration.ofSeconds(45), "bob-pixel")).sent()).containsExactly("bob-pixel");
        assertThat(stub.publishesTo(PIXEL_TOKEN)).hasSize(2);
    }

    @Test
    void aPublishThatTimesOutAfterReachingSnsIsNotSentAgain() {
        pixel();
        stub.delayPublish(PIXEL_TOKEN, Duration.ofSeconds(4)); // the client waits 1 s for an answer
        var command = ring(Duration.ofSeconds(45), "bob-pixel");

        var report = sender.handle(command);

        assertThat(report.unknown()).containsExactly("bob-pixel");
        assertThat(marked("bob-pixel", PushKind.RING)).isTrue();
        assertThat(stub.publishesTo(PIXEL_TOKEN)).as("not retried by the client").hasSize(1);

        assertThat(sender.handle(command).duplicates()).containsExactly("bob-pixel");
        assertThat(stub.publishesTo(PIXEL_TOKEN)).hasSize(1);
    }

    @Test
    void cancelAndMissedGoToAnIphoneOnlyThroughItsAlertToken() {
        iphone(null);
        pixel();

        var cancel = sender.handle(push(PushKind.CANCEL, "bob-iphone", "bob-pixel"));
        var missed = sender.handle(push(PushKind.MISSED, "bob-iphone", "bob-pixel"));

        assertThat(cancel.skipped()).containsExactly("bob-iphone");
        assertThat(missed.skipped()).containsExactly("bob-iphone");
        assertThat(stub.requests("CreatePlatformEndpoint")).extracting(c -> c.get("Token")).containsOnly(PIXEL_TOKEN);
        assertThat(stub.publishesTo(PIXEL_TOKEN)).hasSize(2);
        assertThat(marked("bob-iphone", PushKind.CANCEL)).isFalse();
        JsonNode cancelled = payload(stub.publishesTo(PIXEL_TOKEN).get(0), "GCM").path("fcmV1Message").path("message");
        assertThat(cancelled).isEqualTo(json("{\"data\":{\"type\":\"call-cancelled\",\"callId\":\"" + callId
                + "\"},\"android\":{\"priority\":\"high\",\"ttl\":\"60s\"}}"));
        JsonNode notice = payload(stub.publishesTo(PIXEL_TOKEN).get(1), "GCM").path("fcmV1Message").path("message");
        assertThat(notice.path("notification")).isEqualTo(json("{\"title\":\"Missed call\",\"body\":\"alice called you\"}"));
    }

    @Test
    void cancelAndMissedToAnIphoneWithAnAlertTokenAreABackgroundPushAndAnAlert() {
        iphone(IPHONE_ALERT_TOKEN);

        sender.handle(push(PushKind.CANCEL, "bob-iphone"));
        sender.handle(push(PushKind.MISSED, "bob-iphone"));

        assertThat(stub.requests("CreatePlatformEndpoint")).allSatisfy(create -> {
            assertThat(create.get("PlatformApplicationArn")).isEqualTo(APNS_APP);
            assertThat(create.get("Token")).isEqualTo(IPHONE_ALERT_TOKEN);
        });
        var publishes = stub.publishesTo(IPHONE_ALERT_TOKEN);
        assertThat(publishes).hasSize(2);
        assertThat(payload(publishes.get(0), "APNS")).isEqualTo(json(
                "{\"aps\":{\"content-available\":1},\"type\":\"call-cancelled\",\"callId\":\"" + callId + "\"}"));
        assertThat(SnsStub.messageAttributes(publishes.get(0))).containsOnly(
                Map.entry("AWS.SNS.MOBILE.APNS.PUSH_TYPE", List.of("String", "background")),
                Map.entry("AWS.SNS.MOBILE.APNS.PRIORITY", List.of("String", "5")),
                Map.entry("AWS.SNS.MOBILE.APNS.TTL", List.of("String", "60")));
        assertThat(payload(publishes.get(1), "APNS").path("aps")).isEqualTo(json(
                "{\"alert\":{\"title\":\"Missed call\",\"body\":\"alice called you\"},\"sound\":\"default\"}"));
        assertThat(SnsStub.messageAttributes(publishes.get(1)))
                .containsEntry("AWS.SNS.MOBILE.APNS.PUSH_TYPE", List.of("String", "alert"))
                .containsEntry("AWS.SNS.MOBILE.APNS.PRIORITY", List.of("String", "10"));
        assertThat(stub.requests("CreatePlatformEndpoint")).extracting(c -> c.get("Token"))
                .doesNotContain(IPHONE_TOKEN);
    }

    @Test
    void aRejectedAlertTokenKeepsTheDeviceForItsVoipToken() {
        iphone(IPHONE_ALERT_TOKEN);
        stub.refuseToken(IPHONE_ALERT_TOKEN);

        var report = sender.handle(push(PushKind.MISSED, "bob-iphone"));

        assertThat(report.rejected()).containsExactly("bob-iphone");
        assertThat(devices.find("bob", "bob-iphone")).isPresent();
    }

    @Test
    void aRingWhoseRingingEndedIsNotSent() {
        pixel();
        clock.set(NOW.plusSeconds(45));

        var report = sender.handle(ring(Duration.ofSeconds(45), "bob-pixel"));

        assertThat(report.sent()).isEmpty();
        assertThat(stub.requests("CreatePlatformEndpoint")).isEmpty();
        assertThat(stub.requests("Publish")).isEmpty();
        assertThat(marked("bob-pixel", PushKind.RING)).isFalse();
    }

    @Test
    void aPlatformWithoutApplicationIsSkippedAndTheOthersSent() {
        iphone(null);
        pixel();
        PushSender fcmOnly = sender(PlatformApplications.of(Map.of(SnsPlatform.GCM, FCM_APP)));

        var report = fcmOnly.handle(ring(Duration.ofSeconds(45), "bob-iphone", "bob-pixel"));

        assertThat(report.skipped()).containsExactly("bob-iphone");
        assertThat(report.sent()).containsExactly("bob-pixel");
        assertThat(stub.requests("CreatePlatformEndpoint")).extracting(c -> c.get("PlatformApplicationArn"))
                .containsOnly(FCM_APP);
        assertThat(marked("bob-iphone", PushKind.RING)).isFalse();
    }

    @Test
    void aDeviceUnregisteredSinceAndOneNeverNamedGetNothing() {
        pixel();
        tablet();

        var report = sender.handle(ring(Duration.ofSeconds(45), "bob-pixel", "bob-old-phone"));

        assertThat(report.sent()).containsExactly("bob-pixel");
        assertThat(stub.requests("CreatePlatformEndpoint")).extracting(c -> c.get("Token")).containsOnly(PIXEL_TOKEN);
    }

    @Test
    void aRefusedPublishIsNeitherRetriedNorKeptMarked() {
        pixel();
        stub.alwaysFailPublish(PIXEL_TOKEN, 400, "PlatformApplicationDisabled");

        var report = sender.handle(push(PushKind.MISSED, "bob-pixel"));

        assertThat(report.refused()).containsExactly("bob-pixel");
        assertThat(stub.publishesTo(PIXEL_TOKEN)).hasSize(1);
        assertThat(devices.find("bob", "bob-pixel")).isPresent();
        assertThat(marked("bob-pixel", PushKind.MISSED)).isFalse();
    }

}
