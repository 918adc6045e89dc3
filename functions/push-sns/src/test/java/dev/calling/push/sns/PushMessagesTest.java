package dev.calling.push.sns;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallCommand;
import dev.calling.core.push.Device;
import dev.calling.core.push.PushKind;
import dev.calling.core.push.PushPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The publications against the samples in {@code events-samples/push/}, and where each kind goes. */
class PushMessagesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String CALL = "call-5a3c0f6e9b2d4c1e8f7a6b5c4d3e2f10";
    static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
    static final Instant RING_UNTIL = Instant.parse("2026-12-05T10:00:45Z");

    static JsonNode sample(String name) throws Exception {
        return JSON.readTree(Files.readString(Path.of(System.getProperty("events.samples.dir"), "push", name)));
    }

    static CallCommand.PushCallee push(PushKind kind) {
        return new CallCommand.PushCallee(CALL, "sample-alice", "sample-bob", kind, List.of("bob-iphone", "bob-pixel"),
                kind == PushKind.RING ? RING_UNTIL : null);
    }

    @ParameterizedTest
    @CsvSource({
        "RING, APNS_VOIP, publish-ring-apns-voip.json",
        "RING, GCM, publish-ring-fcm.json",
        "CANCEL, APNS, publish-cancel-apns.json",
        "CANCEL, GCM, publish-cancel-fcm.json",
        "MISSED, APNS, publish-missed-apns.json",
        "MISSED, GCM, publish-missed-fcm.json"})
    void eachPublicationIsTheSample(PushKind kind, SnsPlatform platform, String sampleName) throws Exception {
        JsonNode sample = sample(sampleName);

        PushMessages.Publication publication = PushMessages.of(platform, push(kind), NOW);

        JsonNode message = JSON.readTree(publication.message());
        assertThat(sample.path("MessageStructure").asText()).isEqualTo("json");
        assertThat(message.path("default")).isEqualTo(sample.path("Message").path("default"));
        List<String> keys = JSON.convertValue(message, Map.class).keySet().stream().map(Object::toString).toList();
        assertThat(keys).containsExactlyInAnyOrder("default", platform.messageKey());
        assertThat(JSON.readTree(message.path(platform.messageKey()).asText()))
                .isEqualTo(JSON.readTree(sample.path("Message").path(platform.messageKey()).asText()));
        assertThat(publication.payload()).isEqualTo(message.path(platform.messageKey()).asText());
        Map<String, String> attributes = new LinkedHashMap<>();
        sample.path("MessageAttributes").fields().forEachRemaining(entry -> {
            assertThat(entry.getValue().path("DataType").asText()).isEqualTo("String");
            attributes.put(entry.getKey(), entry.getValue().path("StringValue").asText());
        });
        assertThat(publication.attributes()).isEqualTo(attributes);
    }

    @Test
    void theQueueMessageSampleIsAPushCalleeAsTheStateManagerWritesIt() throws Exception {
        JsonNode sample = sample("push-callee-ring.json");

        CallCommand command = Json.readCallCommand(sample.toString());

        assertThat(command).isEqualTo(push(PushKind.RING));
        assertThat(JSON.readTree(Json.write(command))).isEqualTo(sample);
    }

    @Test
    void aRingExpiresInTheWholeSecondsLeftAndNeverBelowZero() {
        var ring = push(PushKind.RING);
        assertThat(PushMessages.ringSeconds(ring, RING_UNTIL.minusMillis(45_999))).isEqualTo(45);
        assertThat(PushMessages.ringSeconds(ring, RING_UNTIL.minusMillis(999))).isZero();
        assertThat(PushMessages.ringSeconds(ring, RING_UNTIL.plusSeconds(3))).isZero();
        var publication = PushMessages.of(SnsPlatform.GCM, ring, RING_UNTIL.minusMillis(500));
        assertThat(publication.payload()).contains("\"ttl\":\"0s\"");
    }

    @Test
    void aRingGoesToTheVoipTokenAndTheRestToTheAlertTokenOrFcm() {
        Instant at = NOW.minus(Duration.ofDays(1));
        Device iphone = new Device("bob", "bob-iphone", PushPlatform.APNS_VOIP, "a1".repeat(32), "b2".repeat(32), at);
        Device bare = new Device("bob", "bob-ipad", PushPlatform.APNS_VOIP_SANDBOX, "c3".repeat(32), null, at);
        Device pixel = new Device("bob", "bob-pixel", PushPlatform.FCM, "f".repeat(40), null, at);

        assertThat(SnsPlatform.target(iphone, PushKind.RING))
                .contains(new SnsPlatform.Target(SnsPlatform.APNS_VOIP, "a1".repeat(32)));
        assertThat(SnsPlatform.target(iphone, PushKind.CANCEL))
                .contains(new SnsPlatform.Target(SnsPlatform.APNS, "b2".repeat(32)));
        assertThat(SnsPlatform.target(bare, PushKind.RING))
                .contains(new SnsPlatform.Target(SnsPlatform.APNS_VOIP_SANDBOX, "c3".repeat(32)));
        assertThat(SnsPlatform.target(bare, PushKind.MISSED)).isEmpty();
        for (PushKind kind : PushKind.values()) {
            assertThat(SnsPlatform.target(pixel, kind)).contains(new SnsPlatform.Target(SnsPlatform.GCM, "f".repeat(40)));
        }
        assertThat(SnsPlatform.target(iphone, PushKind.RING).orElseThrow().toString()).doesNotContain("a1a1a1a1");
    }

    @Test
    void platformApplicationsLeaveOutTheBlankOnes() {
        var applications = PlatformApplications.none().with(SnsPlatform.GCM, Optional.of(" arn:aws:sns:us-east-1:1:app/GCM/x "))
                .with(SnsPlatform.APNS, Optional.of("")).with(SnsPlatform.APNS_VOIP, Optional.empty());

        assertThat(applications.arn(SnsPlatform.GCM)).contains("arn:aws:sns:us-east-1:1:app/GCM/x");
        assertThat(applications.arn(SnsPlatform.APNS)).isEmpty();
        assertThat(applications.arn(SnsPlatform.APNS_VOIP)).isEmpty();
    }

    @Test
    void theExistingEndpointIsReadFromSnssMessage() {
        var matcher = SnsPushGateway.EXISTING_ENDPOINT.matcher("Invalid parameter: Token Reason: Endpoint "
                + "arn:aws:sns:us-east-1:123456789012:endpoint/GCM/calling/5e3e9847-3183-3f18-a7e8-671c3a57d4b3 "
                + "already exists with the same Token, but different attributes.");
        assertThat(matcher.matches()).isTrue();
        assertThat(matcher.group(1))
                .isEqualTo("arn:aws:sns:us-east-1:123456789012:endpoint/GCM/calling/5e3e9847-3183-3f18-a7e8-671c3a57d4b3");
        assertThat(Redact.tail("arn:aws:sns:us-east-1:123456789012:endpoint/GCM/calling/5e3e9847")).isEqualTo("…9847");
    }
}
