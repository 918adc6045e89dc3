package dev.calling.realtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.core.session.ConnectionEvent;
import dev.calling.core.session.ConnectionEvent.ConnectionClosed;
import dev.calling.core.session.ConnectionEvent.ConnectionHeartbeat;
import dev.calling.core.session.ConnectionEvent.ConnectionOpened;
import dev.calling.embedded.EmbeddedAwsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The packaged Realtime Lambda, invoked through Quarkus's mock Lambda event server (port 8086)
 * with the WebSocket samples from {@code events-samples/realtime/}, publishing to the
 * {@code connection-events} queue on ElasticMQ.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedAwsTestResource.class, restrictToAnnotatedClass = true)
class RealtimeLambdaTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String CONNECTION = "Tk3aVdUxoAMCK2A=";

    static SqsClient sqs;

    @BeforeAll
    static void client() {
        sqs = EmbeddedAwsTestResource.current().clients().sqs();
    }

    @AfterAll
    static void close() {
        sqs.close();
    }

    @BeforeEach
    void emptyQueue() {
        published(Duration.ZERO);
    }

    static String sample(String name) throws Exception {
        return Files.readString(Path.of(System.getProperty("events.samples.dir"), "realtime", name));
    }

    static String edited(String name, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode event = (ObjectNode) JSON.readTree(sample(name));
        edit.accept(event);
        return JSON.writeValueAsString(event);
    }

    static JsonPath invoke(String event) {
        return given().contentType("application/json").body(event)
                .when().post()
                .then().statusCode(200)
                .extract().jsonPath();
    }

    static List<ConnectionEvent> published(Duration firstWait) {
        return EmbeddedAwsTestResource.current().drain(sqs, Resources.CONNECTION_EVENTS, firstWait).stream()
                .map(message -> Json.readConnectionEvent(message.body()))
                .toList();
    }

    static List<ConnectionEvent> published() {
        return published(Duration.ofSeconds(1));
    }

    static JsonPath errorBody(JsonPath response) {
        return JsonPath.from(response.getString("body"));
    }

    @Test
    void connectOpensTheAuthorizedUsersSessionForItsDevice() throws Exception {
        assertThat(invoke(sample("connect.json")).getInt("statusCode")).isEqualTo(200);

        assertThat(published()).containsExactly(new ConnectionOpened("ws:" + CONNECTION + ":opened", "sample-alice",
                "alice-phone", CONNECTION, Instant.parse("2026-11-23T10:00:00Z")));
    }

    @Test
    void connectWithoutADeviceMakesTheConnectionItsOwnSession() throws Exception {
        String noDevice = edited("connect.json", event -> {
            ((ObjectNode) event.get("queryStringParameters")).remove("device");
            ((ObjectNode) event.get("multiValueQueryStringParameters")).remove("device");
        });

        invoke(noDevice);

        assertThat(published()).singleElement().isInstanceOfSatisfying(ConnectionOpened.class,
                opened -> assertThat(opened.sessionId()).isEqualTo(CONNECTION));
    }

    @Test
    void heartbeatIsPublishedAndAnsweredWithTheConnectionId() throws Exception {
        JsonPath response = invoke(sample("heartbeat.json"));

        assertThat(response.getInt("statusCode")).isEqualTo(200);
        JsonPath body = JsonPath.from(response.getString("body"));
        assertThat(body.getString("type")).isEqualTo("heartbeat");
        assertThat(body.getString("connectionId")).isEqualTo(CONNECTION);
        assertThat(body.getString("userId")).isEqualTo("sample-alice");
        assertThat(published()).singleElement().isInstanceOfSatisfying(ConnectionHeartbeat.class, beat -> {
            assertThat(beat.userId()).isEqualTo("sample-alice");
            assertThat(beat.connectionId()).isEqualTo(CONNECTION);
            assertThat(beat.at()).isEqualTo(Instant.parse("2026-11-23T10:00:30Z"));
        });
    }

    @Test
    void disconnectClosesTheConnection() throws Exception {
        assertThat(invoke(sample("disconnect.json")).getInt("statusCode")).isEqualTo(200);

        assertThat(published()).containsExactly(new ConnectionClosed("ws:" + CONNECTION + ":closed", "sample-alice",
                CONNECTION, Instant.parse("2026-11-23T10:05:00Z")));
    }

    @Test
    void aMalformedMessageIsAnsweredWith400AndPublishesNothing() throws Exception {
        JsonPath response = invoke(sample("malformed-message.json"));

        assertThat(response.getInt("statusCode")).isEqualTo(400);
        assertThat(errorBody(response).getString("type")).isEqualTo("error");
        assertThat(errorBody(response).getString("detail")).startsWith("malformed JSON at line 1, column ");
        assertThat(published()).isEmpty();
    }

    @Test
    void unknownActionsAndOversizedMessagesAreRefused() throws Exception {
        JsonPath unknown = invoke(edited("heartbeat.json", event -> event.put("body", "{\"action\":\"ring\"}")));
        JsonPath oversized = invoke(edited("heartbeat.json",
                event -> event.put("body", "{\"action\":\"heartbeat\",\"pad\":\"" + "x".repeat(5000) + "\"}")));

        assertThat(unknown.getInt("statusCode")).isEqualTo(400);
        assertThat(errorBody(unknown).getString("detail")).isEqualTo("unknown action \"ring\"; the only action is \"heartbeat\"");
        assertThat(oversized.getInt("statusCode")).isEqualTo(400);
        assertThat(errorBody(oversized).getString("detail")).isEqualTo("message is 5031 bytes; at most 4096 are accepted");
        assertThat(published()).isEmpty();
    }

    @Test
    void anInvalidDeviceRefusesTheConnection() throws Exception {
        JsonPath response = invoke(edited("connect.json",
                event -> ((ObjectNode) event.get("queryStringParameters")).put("device", "../alice")));

        assertThat(response.getInt("statusCode")).isEqualTo(400);
        assertThat(published()).isEmpty();
    }

    @Test
    void withoutTheAuthorizersUserNothingIsPublished() throws Exception {
        Consumer<ObjectNode> noAuthorizer = event -> ((ObjectNode) event.get("requestContext")).remove("authorizer");

        JsonPath connect = invoke(edited("connect.json", noAuthorizer));
        JsonPath heartbeat = invoke(edited("heartbeat.json", noAuthorizer));

        assertThat(connect.getInt("statusCode")).isEqualTo(401);
        assertThat(heartbeat.getInt("statusCode")).isEqualTo(401);
        assertThat(errorBody(connect).getString("detail")).isEqualTo("not authenticated: connect with a token");
        assertThat(published()).isEmpty();
    }
}
