package dev.calling.switching;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.embedded.EmbeddedAwsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The packaged Switch Lambda, invoked through Quarkus's mock Lambda event server (port 8087) with the
 * sample batches from {@code events-samples/switch/}, against dynalite, ElasticMQ and the Chime
 * SDK Meetings API stub: one call rung, answered, its callee's media dropped, and released.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedAwsTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = ChimeMeetingsStubTestResource.class, restrictToAnnotatedClass = true)
class SwitchLambdaTest {

    static final String CALL = "call-5a3c0f6e9b2d4c1e8f7a6b5c4d3e2f10";

    static String sample(String name) throws Exception {
        return Files.readString(Path.of(System.getProperty("events.samples.dir"), "switch", name));
    }

    static List<String> invoke(String event) {
        return given().contentType("application/json").body(event).when().post().then().statusCode(200)
                .extract().jsonPath().getList("batchItemFailures.itemIdentifier", String.class);
    }

    @Test
    void aCallsMeetingIsMadeJoinedByTheAnsweringDeviceReportedOnAndDeleted() throws Exception {
        var aws = EmbeddedAwsTestResource.current();
        var chime = ChimeMeetingsStubTestResource.current();
        try (DynamoDbClient dynamoDb = aws.clients().dynamoDb(); SqsClient sqs = aws.clients().sqs()) {
            DynamoDbCallMedia media = new DynamoDbCallMedia(dynamoDb, Resources.CALL_MEDIA.name());

            assertThat(invoke(sample("ring-and-bridge.json"))).isEmpty();

            assertThat(chime.liveMeetings()).hasSize(1);
            assertThat(chime.requests("POST", "/meetings/[^/]+/attendees")).hasSize(2);
            var item = media.find(CALL).orElseThrow();
            assertThat(item.legs()).containsOnlyKeys("sample-alice-c1", "sample-bob-c2");
            assertThat(item.legOf("sample-bob-c2").orElseThrow().party()).isEqualTo(Party.CALLEE);

            String events = sample("meeting-events.json")
                    .replace("MEETING_ID", item.session().sessionId())
                    .replace("ATTENDEE_ID", item.legOf("sample-bob-c2").orElseThrow().legId());
            assertThat(invoke(events)).containsExactly("m-garbage");
            List<CallEvent> told = aws.drain(sqs, Resources.CALL_STATE_CHANGES, Duration.ofSeconds(1)).stream()
                    .map(m -> Json.readCallEvent(m.body())).toList();
            assertThat(told).singleElement().isInstanceOfSatisfying(CallEvent.MediaLost.class, lost -> {
                assertThat(lost.callId()).isEqualTo(CALL);
                assertThat(lost.party()).isEqualTo(Party.CALLEE);
            });

            assertThat(invoke(sample("release.json"))).isEmpty();
            assertThat(chime.liveMeetings()).isEmpty();
            assertThat(media.find(CALL).orElseThrow().closed()).isTrue();
        }
    }
}
