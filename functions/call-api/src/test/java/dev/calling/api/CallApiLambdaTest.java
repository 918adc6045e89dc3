package dev.calling.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.calling.adapters.Resources;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.media.DynamoDbCallMedia.MediaLeg;
import dev.calling.adapters.media.DynamoDbCallMedia.MediaSession;
import dev.calling.core.app.PlaceCall;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallEvent.CallHungUp;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.Party;
import dev.calling.core.call.RouteKind;
import dev.calling.core.session.Connection;
import dev.calling.core.session.ConnectionState;
import dev.calling.embedded.EmbeddedAwsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The packaged CallApi Lambda, invoked through Quarkus's mock Lambda event server (port 8085) with
 * the API Gateway HTTP API (payload 2.0) samples from {@code events-samples/call-api/}, against
 * dynalite and ElasticMQ. No call state manager runs here: a placed call stays a request on
 * the {@code call-state-changes} queue, which is what these tests look at.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedAwsTestResource.class, restrictToAnnotatedClass = true)
class CallApiLambdaTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROBLEMS = "https://calling.dev/problems/";
    static final String ALICE = "sample-alice";
    static final String BOB = "sample-bob";
    /** place-call.json's key. */
    static final String KEY = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    static final String ALICE_CONNECTION = "Tk3aVdUxoAMCK2A=";

    static DynamoDbClient dynamoDb;
    static SqsClient sqs;

    @BeforeAll
    static void aliceIsOnline() {
        dynamoDb = EmbeddedAwsTestResource.current().clients().dynamoDb();
        sqs = EmbeddedAwsTestResource.current().clients().sqs();
        // As the session service stores it when alice's app opens its WebSocket.
        Instant now = Instant.now();
        new DynamoDbSessionStore(dynamoDb, Resources.SESSIONS.name()).open(new Connection(ALICE, "alice-phone",
                ALICE_CONNECTION, ConnectionState.OPEN, now, now, now.plus(Duration.ofHours(1))));
    }

    @AfterAll
    static void close() {
        dynamoDb.close();
        sqs.close();
    }

    @BeforeEach
    void emptyQueue() {
        queued(Duration.ZERO);
    }

    // --- samples and how to send them ---------------------------------------------------------------

    static String sample(String name) throws Exception {
        return Files.readString(Path.of(System.getProperty("events.samples.dir"), "call-api", name));
    }

    static String edited(String name, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode event = (ObjectNode) JSON.readTree(sample(name));
        edit.accept(event);
        return JSON.writeValueAsString(event);
    }

    static Consumer<ObjectNode> path(String path) {
        return event -> {
            event.put("rawPath", path);
            ((ObjectNode) event.at("/requestContext/http")).put("path", path);
            ((ObjectNode) event.get("pathParameters")).put("proxy", path.substring("/v1/".length()));
        };
    }

    static Consumer<ObjectNode> method(String method) {
        return event -> ((ObjectNode) event.at("/requestContext/http")).put("method", method);
    }

    static Consumer<ObjectNode> body(String body) {
        return event -> {
            event.put("body", body);
            header("content-length", Integer.toString(body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length))
                    .accept(event);
        };
    }

    static Consumer<ObjectNode> header(String name, String value) {
        return event -> {
            ObjectNode headers = (ObjectNode) event.get("headers");
            if (value == null) {
                headers.remove(name);
            } else {
                headers.put(name, value);
            }
        };
    }

    /** The JWT authorizer's subject, i.e. who is asking. */
    static Consumer<ObjectNode> sub(String userId) {
        return event -> ((ObjectNode) event.at("/requestContext/authorizer/jwt/claims")).put("sub", userId);
    }

    static Consumer<ObjectNode> query(String name, String value) {
        return event -> {
            ObjectNode parameters = (ObjectNode) event.get("queryStringParameters");
            parameters.put(name, value);
            StringBuilder raw = new StringBuilder();
            parameters.fields().forEachRemaining(p -> raw.append(raw.isEmpty() ? "" : "&").append(p.getKey()).append('=')
                    .append(p.getValue().asText()));
            event.put("rawQueryString", raw.toString());
        };
    }

    /** The function's response (an API Gateway v2 HTTP response). */
    record Reply(int status, Map<String, String> headers, JsonNode body) {

        String header(String name) {
            return headers.get(name);
        }

        String text(String field) {
            return body.path(field).asText();
        }
    }

    static Reply invoke(String event) throws Exception {
        JsonPath response = given().contentType("application/json").body(event)
                .when().post()
                .then().statusCode(200)
                .extract().jsonPath();
        assertThat(response.getBoolean("isBase64Encoded")).isFalse();
        return new Reply(response.getInt("statusCode"), response.getMap("headers", String.class, String.class),
                JSON.readTree(response.getString("body")));
    }

    static void assertProblem(Reply reply, int status, String slug, String path) {
        assertThat(reply.status()).as(reply.body().toString()).isEqualTo(status);
        assertThat(reply.header("content-type")).isEqualTo("application/problem+json");
        assertThat(reply.header("cache-control")).isEqualTo("no-store");
        assertThat(reply.text("type")).isEqualTo(PROBLEMS + slug);
        assertThat(reply.body().path("status").asInt()).isEqualTo(status);
        assertThat(reply.text("title")).isNotBlank();
        assertThat(reply.text("detail")).isNotBlank();
        assertThat(reply.text("instance")).isEqualTo(path);
    }

    static List<Message> queuedMessages(Duration firstWait) {
        return EmbeddedAwsTestResource.current().drain(sqs, Resources.CALL_STATE_CHANGES, firstWait);
    }

    static List<CallEvent> queued(Duration firstWait) {
        return queuedMessages(firstWait).stream().map(message -> Json.readCallEvent(message.body())).toList();
    }

    static List<CallEvent> queued() {
        return queued(Duration.ofSeconds(1));
    }

    static String callIdFor(String callerUserId, String key) {
        return PlaceCall.of(key, BOB, null, null).callIdFor(callerUserId);
    }

    // --- calls with media, as the call state manager and the switch store them -----------------------

    /** Users of their own, so that their stored calls do not show in alice's list. */
    static final String MEDIA_CALLER = "sample-media-caller";
    static final String MEDIA_CALLEE = "sample-media-callee";
    static final String CALLER_CONNECTION = "Tk4aVdUxoAMCK2A=";
    static final String CALLEE_PHONE = "Tk4bWeVyoAMCL3B=";
    static final String CALLEE_TABLET = "Tk4cXfWzoAMCM4C=";

    /** A VoIP call from MEDIA_CALLER to MEDIA_CALLEE (ringing both callee devices) in the calls table. */
    static String storedCall(CallState state, EndReason endReason) {
        String callId = "call-" + UUID.randomUUID().toString().replace("-", "");
        Instant at = Instant.now();
        Call call = new Call(callId, MEDIA_CALLER, CALLER_CONNECTION, MEDIA_CALLEE, null, RouteKind.VOIP, state,
                endReason, List.of(CALLEE_PHONE, CALLEE_TABLET), state == CallState.RINGING ? null : CALLEE_PHONE,
                List.of(), List.of(), null, List.of(), at, state == CallState.RINGING ? null : at,
                endReason == null ? null : at, 0, List.of(), List.of(), callId + ":test", List.of(), List.of(), null, 3);
        assertThat(new DynamoDbCallStore(dynamoDb, Resources.CALLS.name()).create(call)).isTrue();
        return callId;
    }

    static DynamoDbCallMedia callMedia() {
        return new DynamoDbCallMedia(dynamoDb, Resources.CALL_MEDIA.name());
    }

    static String meetingId(String callId) {
        return UUID.nameUUIDFromBytes(callId.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }

    static String meeting(String callId) {
        String id = meetingId(callId);
        return "{\"MeetingId\":\"" + id + "\",\"ExternalMeetingId\":\"" + callId + "\",\"MediaRegion\":\"us-east-1\","
                + "\"MediaPlacement\":{\"AudioHostUrl\":\"7e1f4a2b9c3d.k.m3.ue1.app.chime.aws:3478\","
                + "\"AudioFallbackUrl\":\"wss://haxrp.m3.ue1.app.chime.aws:443/calls/" + id + "\","
                + "\"SignalingUrl\":\"wss://signal.m3.ue1.app.chime.aws/control/" + id + "\","
                + "\"TurnControlUrl\":\"https://2713.cell.us-east-1.meetings.chime.aws/v2/turn_sessions\"}}";
    }

    /** A chime-meetings join document, as the switch stores it for a party connection. */
    static String join(String callId, String attendeeId, String userId, String connectionId) {
        return "{\"Meeting\":" + meeting(callId) + ",\"Attendee\":{\"AttendeeId\":\"" + attendeeId
                + "\",\"ExternalUserId\":\"" + userId + "|" + connectionId + "\",\"JoinToken\":\"token-of-" + attendeeId
                + "\",\"Capabilities\":{\"Audio\":\"SendReceive\",\"Video\":\"None\",\"Content\":\"None\"}}}";
    }

    /** The switch opened the call's meeting and made the caller's attendee (as on RingCallee). */
    static String callerJoins(String callId) {
        assertThat(callMedia().open(new MediaSession(callId, "chime-meetings", meetingId(callId), meeting(callId),
                MEDIA_CALLER, CALLER_CONNECTION, MEDIA_CALLEE), Instant.now().plus(Duration.ofHours(3)))).isTrue();
        String join = join(callId, "attendee-caller", MEDIA_CALLER, CALLER_CONNECTION);
        assertThat(callMedia().putLeg(callId, new MediaLeg(CALLER_CONNECTION, MEDIA_CALLER, Party.CALLER,
                "attendee-caller", join))).isTrue();
        return join;
    }

    static Consumer<ObjectNode> mediaOf(String callId) {
        return path("/v1/calls/" + callId + "/media");
    }

    static Reply getMedia(String callId, String userId) throws Exception {
        return invoke(edited("get-call-unknown.json", mediaOf(callId).andThen(sub(userId))));
    }

    static void assertJoinInfo(Reply reply, String callId, String connectionId, String join) throws Exception {
        assertThat(reply.status()).as(reply.body().toString()).isEqualTo(200);
        assertThat(reply.header("content-type")).isEqualTo("application/json");
        assertThat(reply.header("cache-control")).as("it holds a credential").isEqualTo("no-store");
        assertThat(reply.text("callId")).isEqualTo(callId);
        assertThat(reply.text("connectionId")).isEqualTo(connectionId);
        assertThat(reply.text("provider")).isEqualTo("chime-meetings");
        assertThat(reply.body().path("join").isObject()).as("the switch's document as JSON, not as a string").isTrue();
        assertThat(reply.body().path("join")).isEqualTo(JSON.readTree(join));
        assertThat(reply.body().has("type")).as("only pushes have a type").isFalse();
        assertThat(reply.body().size()).isEqualTo(4);
    }

    // --- tests ---------------------------------------------------------------------------------------

    @Test
    void placingACallAnswers202WithTheRequestedCallAndQueuesTheRequest() throws Exception {
        String callId = callIdFor(ALICE, KEY);

        Reply placed = invoke(sample("place-call.json"));

        assertThat(placed.status()).as(placed.body().toString()).isEqualTo(202);
        assertThat(placed.header("content-type")).isEqualTo("application/json");
        assertThat(placed.header("cache-control")).isEqualTo("no-store");
        assertThat(placed.header("location")).isEqualTo("/v1/calls/" + callId);
        assertThat(placed.headers()).doesNotContainKey("idempotent-replayed");
        assertThat(placed.text("callId")).isEqualTo(callId);
        assertThat(placed.text("direction")).isEqualTo("OUTGOING");
        assertThat(placed.text("callerUserId")).isEqualTo(ALICE);
        assertThat(placed.text("calleeUserId")).isEqualTo(BOB);
        assertThat(placed.text("state")).isEqualTo("REQUESTED");
        assertThat(placed.body().path("version").asLong()).isZero();
        assertThat(placed.body().has("route")).as("not routed yet, so left out").isFalse();
        assertThat(placed.body().has("phoneNumber")).isFalse();
        Instant requestedAt = Instant.parse(placed.text("requestedAt"));

        List<Message> messages = queuedMessages(Duration.ofSeconds(1));
        assertThat(messages).singleElement().satisfies(message -> assertThat(message.attributes()
                .get(MessageSystemAttributeName.MESSAGE_GROUP_ID)).as("one call, one message group").isEqualTo(callId));
        assertThat(Json.readCallEvent(messages.get(0).body())).isEqualTo(new CallRequested(callId + ":requested", callId,
                requestedAt, ALICE, ALICE_CONNECTION, BOB, null));

        Reply retry = invoke(sample("place-call.json"));

        assertThat(retry.status()).isEqualTo(202);
        assertThat(retry.header("idempotent-replayed")).isEqualTo("true");
        assertThat(retry.header("location")).isEqualTo("/v1/calls/" + callId);
        assertThat(retry.body()).isEqualTo(placed.body());
        assertThat(queued()).as("the request is sent again with the same deduplication id, and the FIFO queue drops it")
                .isEmpty();

        Reply otherCall = invoke(edited("place-call.json", body("{\"calleeUserId\":\"sample-carol\"}")));

        assertProblem(otherCall, 422, "idempotency-key-reused", "/v1/calls");
        assertThat(queued()).isEmpty();
    }

    @Test
    void theCallerReadsAndHangsUpACallTheStateManagerHasNotTakenUpYet() throws Exception {
        String key = UUID.randomUUID().toString();
        String callId = callIdFor(ALICE, key);
        assertThat(invoke(edited("place-call.json", header("idempotency-key", key))).status()).isEqualTo(202);
        assertThat(queued()).singleElement().isInstanceOf(CallRequested.class);

        Reply read = invoke(edited("get-call-unknown.json", path("/v1/calls/" + callId)));

        assertThat(read.status()).isEqualTo(200);
        assertThat(read.header("content-type")).isEqualTo("application/json");
        assertThat(read.text("callId")).isEqualTo(callId);
        assertThat(read.text("state")).isEqualTo("REQUESTED");

        String hangUpPath = "/v1/calls/" + callId + "/hangup";
        Reply mallory = invoke(edited("hangup-call.json", path(hangUpPath).andThen(sub("sample-mallory"))));
        assertProblem(mallory, 404, "call-not-found", hangUpPath);
        assertProblem(invoke(edited("get-call-unknown.json", path("/v1/calls/" + callId).andThen(sub("sample-mallory")))),
                404, "call-not-found", "/v1/calls/" + callId);
        assertThat(queued()).as("nothing for someone else's call").isEmpty();

        Reply hungUp = invoke(edited("hangup-call.json", path(hangUpPath)));

        assertThat(hungUp.status()).as(hungUp.body().toString()).isEqualTo(202);
        assertThat(hungUp.text("state")).as("as it was when the hang-up was accepted").isEqualTo("REQUESTED");
        assertThat(queued()).singleElement().isInstanceOfSatisfying(CallHungUp.class, hangUp -> {
            assertThat(hangUp.eventId()).isEqualTo(callId + ":hangup:CALLER");
            assertThat(hangUp.callId()).isEqualTo(callId);
            assertThat(hangUp.party()).isEqualTo(Party.CALLER);
        });
    }

    @Test
    void anUnknownCallIsNotFound() throws Exception {
        Reply reply = invoke(sample("get-call-unknown.json"));

        assertProblem(reply, 404, "call-not-found", "/v1/calls/call-00000000000000000000000000000000");
        assertThat(reply.text("title")).isEqualTo("No such call");
    }

    @Test
    void withoutTheAuthorizersClaimsTheRequestIsUnauthorizedAndDoesNothing() throws Exception {
        assertProblem(invoke(sample("no-jwt-claims.json")), 401, "unauthorized", "/v1/calls");

        Reply noSubject = invoke(edited("place-call.json",
                event -> ((ObjectNode) event.at("/requestContext/authorizer/jwt/claims")).remove("sub")));

        assertProblem(noSubject, 401, "unauthorized", "/v1/calls");
        assertThat(queued()).isEmpty();
    }

    @Test
    void aMalformedBodyIsAProblemAndPlacesNothing() throws Exception {
        Reply reply = invoke(sample("malformed-body.json"));

        assertProblem(reply, 400, "malformed-json", "/v1/calls");
        assertThat(reply.text("title")).isEqualTo("Malformed JSON");
        assertThat(reply.text("detail")).startsWith("the body is not valid JSON: ");
        Reply twice = invoke(edited("place-call.json", body("{\"calleeUserId\":\"sample-bob\",\"calleeUserId\":\"sample-carol\"}")
                .andThen(header("idempotency-key", UUID.randomUUID().toString()))));
        assertProblem(twice, 400, "malformed-json", "/v1/calls");
        assertThat(twice.text("detail")).as("which value would win?").contains("field 'calleeUserId' is given more than once");
        Reply trailing = invoke(edited("place-call.json", body("{\"calleeUserId\":\"sample-bob\"}{\"calleeUserId\":\"x\"}")
                .andThen(header("idempotency-key", UUID.randomUUID().toString()))));
        assertProblem(trailing, 400, "malformed-json", "/v1/calls");
        assertThat(trailing.text("detail")).contains("there is more after the JSON value");
        assertProblem(invoke(edited("place-call.json", body("{\"calleeUserId\":\"sample-bob\"} and more")
                .andThen(header("idempotency-key", UUID.randomUUID().toString())))), 400, "malformed-json", "/v1/calls");
        assertThat(queued()).isEmpty();
    }

    @Test
    void anEmergencyNumberIsRefusedWithItsOwnProblemAndPlacesNothing() throws Exception {
        for (String emergency : java.util.List.of("112", "911", "999", "000", "+112")) {
            Reply reply = invoke(edited("place-call.json", body("{\"phoneNumber\":\"" + emergency + "\"}")
                    .andThen(header("idempotency-key", UUID.randomUUID().toString()))));
            assertProblem(reply, 422, "emergency-calls-not-supported", "/v1/calls");
            assertThat(reply.text("detail")).contains("own dialer");
        }
        assertThat(queued()).isEmpty();
    }

    @Test
    void badCallRequestsGetTheirOwnProblemAndPlaceNothing() throws Exception {
        assertProblem(invoke(edited("place-call.json", body("{\"phoneNumber\":\"+44 20 7183 8750\"}"))), 400,
                "invalid-phone-number", "/v1/calls");
        assertProblem(invoke(edited("place-call.json", header("idempotency-key", null))), 400, "invalid-request",
                "/v1/calls");
        assertProblem(invoke(edited("place-call.json", body("{\"calleeUserId\":\"sample-bob\",\"phoneNumber\":\"+442071838750\"}"))),
                400, "invalid-request", "/v1/calls");
        assertProblem(invoke(edited("place-call.json", body("{\"calleeUserId\":\"" + ALICE + "\"}")
                .andThen(header("idempotency-key", UUID.randomUUID().toString())))), 400, "invalid-request", "/v1/calls");
        assertProblem(invoke(edited("place-call.json", header("content-type", "text/plain"))), 415,
                "unsupported-media-type", "/v1/calls");
        assertProblem(invoke(edited("place-call.json", body("{\"calleeUserId\":\"" + "x".repeat(20_000) + "\"}"))), 413,
                "payload-too-large", "/v1/calls");
        assertProblem(invoke(edited("place-call.json", sub("sample-offline"))), 409, "not-connected", "/v1/calls");

        assertThat(queued()).isEmpty();
    }

    @Test
    void theBalanceOfAUserWithoutAnAccountIsZero() throws Exception {
        Reply reply = invoke(sample("balance.json"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("content-type")).isEqualTo("application/json");
        for (String field : List.of("balance", "reserved", "available")) {
            assertThat(reply.body().path(field).path("amount").asText()).as(field).isEqualTo("0.00");
            assertThat(reply.body().path(field).path("currency").asText()).as(field).isEqualTo("USD");
        }
    }

    static final String VOIP_TOKEN = "0a1b".repeat(16);

    static String device(String userId, String method, String deviceId, String body) throws Exception {
        return edited("balance.json", event -> {
            path("/v1/me/devices" + (deviceId == null ? "" : "/" + deviceId)).accept(event);
            method(method).accept(event);
            sub(userId).accept(event);
            if (body != null) {
                body(body).accept(event);
                header("content-type", "application/json").accept(event);
            }
        });
    }

    static String registration(String platform, String token) {
        return "{\"platform\":\"" + platform + "\",\"token\":\"" + token + "\"}";
    }

    @Test
    void aDeviceIsRegisteredListedRefreshedAndUnregisteredAndItsTokenIsNeverShown() throws Exception {
        Reply registered = invoke(device("dev-ann", "PUT", "iphone-1", registration("APNS_VOIP", VOIP_TOKEN)));

        assertThat(registered.status()).isEqualTo(200);
        assertThat(registered.text("deviceId")).isEqualTo("iphone-1");
        assertThat(registered.text("platform")).isEqualTo("APNS_VOIP");
        assertThat(registered.text("tokenSuffix")).isEqualTo(VOIP_TOKEN.substring(VOIP_TOKEN.length() - 6));
        assertThat(registered.body().toString()).doesNotContain(VOIP_TOKEN);
        String refreshed = "ffee".repeat(16);
        Reply again = invoke(device("dev-ann", "PUT", "iphone-1", "{\"platform\":\"APNS_VOIP\",\"token\":\""
                + refreshed + "\",\"alertToken\":\"" + VOIP_TOKEN + "\"}"));
        assertThat(again.text("registeredAt")).as("the first registration").isEqualTo(registered.text("registeredAt"));
        assertThat(again.body().path("hasAlertToken").asBoolean()).isTrue();

        Reply listed = invoke(device("dev-ann", "GET", null, null));
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body().path("devices")).hasSize(1);
        assertThat(listed.body().toString()).doesNotContain(refreshed).doesNotContain(VOIP_TOKEN);
        assertThat(invoke(device("dev-bob", "GET", null, null)).body().path("devices")).as("only one's own").isEmpty();

        assertThat(invoke(device("dev-ann", "DELETE", "iphone-1", null)).status()).isEqualTo(204);
        assertThat(invoke(device("dev-ann", "DELETE", "iphone-1", null)).status()).as("idempotent").isEqualTo(204);
        assertThat(invoke(device("dev-ann", "GET", null, null)).body().path("devices")).isEmpty();
    }

    static final String FCM_TOKEN = "dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx";

    /** The reply, whole (status, headers and body), as a client or a log could see it. */
    static String everything(Reply reply) {
        return reply.status() + " " + reply.headers() + " " + reply.body();
    }

    @Test
    void badDeviceRegistrationsAreProblemsThatWriteNothingAndNeverEchoTheToken() throws Exception {
        String path = "/v1/me/devices/phone";
        String fcm = "{\"platform\":\"FCM\",\"token\":\"" + FCM_TOKEN + "\"";
        List<Reply> refused = new java.util.ArrayList<>();
        java.util.function.BiFunction<String, String, Reply> badRegistration = (slug, body) -> {
            try {
                Reply reply = invoke(device("dev-cat", "PUT", "phone", body));
                assertProblem(reply, 400, slug, path);
                refused.add(reply);
                return reply;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };

        badRegistration.apply("invalid-request", registration("WINDOWS", VOIP_TOKEN));
        badRegistration.apply("invalid-request", registration("apns_voip", VOIP_TOKEN));
        badRegistration.apply("invalid-request", registration("APNS_VOIP", "not-hex-secret-1234"));
        badRegistration.apply("invalid-request", registration("APNS_VOIP", FCM_TOKEN));
        badRegistration.apply("invalid-request", fcm + ",\"alertToken\":\"" + VOIP_TOKEN + "\"}");
        badRegistration.apply("invalid-request", "{\"platform\":\"APNS_VOIP\",\"token\":\"" + VOIP_TOKEN
                + "\",\"alertToken\":\"" + FCM_TOKEN + "\"}");
        badRegistration.apply("invalid-request", fcm + ",\"colour\":\"red\"}");
        badRegistration.apply("invalid-request", "{\"platform\":\"FCM\"}");
        badRegistration.apply("invalid-request", "{\"token\":\"" + FCM_TOKEN + "\"}");
        badRegistration.apply("invalid-request", "{\"platform\":\"FCM\",\"token\":12345678901234567890123456789012345}");
        badRegistration.apply("invalid-request", "{}");
        badRegistration.apply("invalid-request", null);
        badRegistration.apply("malformed-json", fcm);
        Reply trailingWord = badRegistration.apply("malformed-json", fcm + "} trailing");
        Reply secondObject = badRegistration.apply("malformed-json", fcm + "}{}");
        Reply tokenTwice = badRegistration.apply("malformed-json",
                fcm + ",\"token\":\"" + FCM_TOKEN.replace('Q', 'R') + "\"}");
        badRegistration.apply("malformed-json", "{\"platform\":\"FCM\",\"token\":" + FCM_TOKEN.replace(":", "") + "}");
        badRegistration.apply("malformed-json", "[" + fcm + "}]");
        assertThat(tokenTwice.text("detail")).as("a duplicate key")
                .startsWith("the body is not valid JSON: field 'token' is given more than once (line 1, column ");
        assertThat(trailingWord.text("detail")).as("trailing data, not repeated")
                .startsWith("the body is not valid JSON: ").doesNotContain("trailing");
        assertThat(secondObject.text("detail")).as("a second object")
                .startsWith("the body is not valid JSON: there is more after the JSON value");
        assertProblem(invoke(device("dev-cat", "PUT", "bad%20id!", registration("FCM", FCM_TOKEN))), 400,
                "invalid-request", "/v1/me/devices/bad%20id!");
        assertProblem(invoke(device("dev-cat", "PUT", "x".repeat(65), registration("FCM", FCM_TOKEN))), 400,
                "invalid-request", "/v1/me/devices/" + "x".repeat(65));
        assertProblem(invoke(device("dev-cat", "POST", "phone", null)), 405, "method-not-allowed", path);
        assertProblem(invoke(device("dev-cat", "POST", null, null)), 405, "method-not-allowed", "/v1/me/devices");
        assertProblem(invoke(device("dev-cat", "DELETE", "bad%20id!", null)), 400, "invalid-request",
                "/v1/me/devices/bad%20id!");
        assertProblem(invoke(device("dev-cat", "DELETE", "phone", "{\"token\":\"" + FCM_TOKEN + "\"}")), 400,
                "invalid-request", path);
        assertProblem(invoke(device("dev-cat", "DELETE", "phone", "{\"token\":")), 400, "malformed-json", path);

        for (Reply reply : refused) {
            assertThat(everything(reply)).doesNotContain(VOIP_TOKEN).doesNotContain("not-hex-secret-1234")
                    .doesNotContain(FCM_TOKEN).doesNotContain(FCM_TOKEN.replace(":", ""))
                    .doesNotContain(FCM_TOKEN.replace('Q', 'R')).doesNotContain("12345678901234567890123456789012345");
        }
        assertThat(invoke(device("dev-cat", "GET", null, null)).body().path("devices")).as("nothing written").isEmpty();
    }

    /** Every log record the JVM's loggers pass on (the API's own through System.Logger) while it is open. */
    static final class CapturedLogs extends java.util.logging.Handler implements AutoCloseable {
        final List<String> lines = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

        CapturedLogs() {
            java.util.logging.Logger.getLogger("").addHandler(this);
        }

        @Override
        public void publish(java.util.logging.LogRecord record) {
            StringBuilder line = new StringBuilder(record.getLoggerName() + " " + record.getMessage());
            if (record.getParameters() != null) {
                line.append(' ').append(java.util.Arrays.toString(record.getParameters()));
            }
            if (record.getThrown() != null) {
                java.io.StringWriter trace = new java.io.StringWriter();
                record.getThrown().printStackTrace(new java.io.PrintWriter(trace));
                line.append(' ').append(trace);
            }
            lines.add(line.toString());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            java.util.logging.Logger.getLogger("").removeHandler(this);
        }
    }

    @Test
    void noResponseNorLogLineHoldsAPushToken() throws Exception {
        String alert = "0e9d8c7b".repeat(8);
        List<Reply> replies = new java.util.ArrayList<>();
        try (CapturedLogs logs = new CapturedLogs()) {
            System.getLogger(CallApi.class.getName()).log(System.Logger.Level.WARNING, "capture check");

            replies.add(invoke(device("dev-eve", "PUT", "iphone", "{\"platform\":\"APNS_VOIP_SANDBOX\",\"token\":\""
                    + VOIP_TOKEN + "\",\"alertToken\":\"" + alert + "\"}")));
            replies.add(invoke(device("dev-eve", "PUT", "pixel", registration("FCM", FCM_TOKEN))));
            replies.add(invoke(device("dev-eve", "PUT", "pixel", registration("FCM", FCM_TOKEN.replace('Q', 'R')))));
            replies.add(invoke(device("dev-eve", "GET", null, null)));
            replies.add(invoke(device("dev-eve", "PUT", "iphone", registration("FCM", VOIP_TOKEN + "\",\"alertToken\":\""
                    + alert))));
            replies.add(invoke(device("dev-eve", "PUT", "iphone", "{\"platform\":\"FCM\",\"token\":" + VOIP_TOKEN + "}")));
            replies.add(invoke(device("dev-eve", "DELETE", "iphone", null)));
            replies.add(invoke(device("dev-eve", "GET", null, null)));

            assertThat(logs.lines).as("the capture sees the API's logger").anyMatch(line -> line.contains("capture check"));
            for (String line : logs.lines) {
                assertThat(line).doesNotContain(VOIP_TOKEN).doesNotContain(alert).doesNotContain(FCM_TOKEN)
                        .doesNotContain(FCM_TOKEN.replace('Q', 'R'));
            }
        }
        assertThat(replies).extracting(Reply::status).containsExactly(200, 200, 200, 200, 400, 400, 204, 200);
        assertThat(replies.get(3).body().path("devices")).extracting(d -> d.path("deviceId").asText(),
                        d -> d.path("tokenSuffix").asText(), d -> d.path("hasAlertToken").asBoolean())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("iphone", VOIP_TOKEN.substring(58), true),
                        org.assertj.core.groups.Tuple.tuple("pixel", FCM_TOKEN.substring(FCM_TOKEN.length() - 6), false));
        for (Reply reply : replies) {
            assertThat(everything(reply)).doesNotContain(VOIP_TOKEN).doesNotContain(alert).doesNotContain(FCM_TOKEN)
                    .doesNotContain(FCM_TOKEN.replace('Q', 'R'));
        }
    }

    @Test
    void aUserHasAtMostTenDevices() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(invoke(device("dev-dan", "PUT", "phone-" + i, registration("FCM", "f".repeat(40)))).status())
                    .isEqualTo(200);
        }
        assertProblem(invoke(device("dev-dan", "PUT", "phone-10", registration("FCM", "f".repeat(40)))), 409,
                "too-many-devices", "/v1/me/devices/phone-10");
        assertThat(invoke(device("dev-dan", "PUT", "phone-3", registration("FCM", "e".repeat(40)))).status())
                .as("a known device is refreshed").isEqualTo(200);
    }

    @Test
    void callsAreListedAPageAtATime() throws Exception {
        Reply reply = invoke(sample("list-calls.json"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body().path("calls").isArray()).isTrue();
        assertThat(reply.body().path("calls")).as("calls the state manager has not taken up are not listed").isEmpty();
        assertThat(reply.body().has("nextCursor")).as("the last page").isFalse();

        assertProblem(invoke(edited("list-calls.json", query("limit", "1000"))), 400, "invalid-request", "/v1/calls");
        assertProblem(invoke(edited("list-calls.json", query("cursor", "not-a-cursor"))), 400, "invalid-request",
                "/v1/calls");
    }

    @Test
    void theCallerGetsItsOwnMediaJoinInfoOnceTheCallRings() throws Exception {
        String callId = storedCall(CallState.RINGING, null);
        String join = callerJoins(callId);

        Reply reply = getMedia(callId, MEDIA_CALLER);

        assertJoinInfo(reply, callId, CALLER_CONNECTION, join);
        assertThat(reply.body().at("/join/Meeting/MeetingId").asText()).isEqualTo(meetingId(callId));
        assertThat(reply.body().at("/join/Meeting/MediaPlacement/AudioHostUrl").asText()).isNotBlank();
        assertThat(reply.body().at("/join/Attendee/AttendeeId").asText()).isEqualTo("attendee-caller");
        assertThat(reply.body().at("/join/Attendee/JoinToken").asText()).isEqualTo("token-of-attendee-caller");
        assertThat(reply.body().at("/join/Attendee/Capabilities/Audio").asText()).isEqualTo("SendReceive");
        assertThat(queued()).as("a read queues nothing").isEmpty();
    }

    @Test
    void theCalleeHasNoMediaWhileItRingsAndOnlyItsAnsweringDevicesOnceAnswered() throws Exception {
        String callId = storedCall(CallState.RINGING, null);
        String callerJoin = callerJoins(callId);

        Reply ringing = getMedia(callId, MEDIA_CALLEE);

        String mediaPath = "/v1/calls/" + callId + "/media";
        assertProblem(ringing, 404, "no-media", mediaPath);
        assertThat(ringing.text("title")).isEqualTo("No media to join on this call");
        assertThat(ringing.body().toString()).as("never the other party's join info")
                .doesNotContain("token-of-attendee-caller").doesNotContain("attendee-caller");

        // Answered on the phone: the switch made the phone's attendee (BridgeConnections), none for the tablet.
        String calleeJoin = join(callId, "attendee-callee", MEDIA_CALLEE, CALLEE_PHONE);
        assertThat(callMedia().putLeg(callId, new MediaLeg(CALLEE_PHONE, MEDIA_CALLEE, Party.CALLEE, "attendee-callee",
                calleeJoin))).isTrue();

        assertJoinInfo(getMedia(callId, MEDIA_CALLEE), callId, CALLEE_PHONE, calleeJoin);
        assertJoinInfo(getMedia(callId, MEDIA_CALLER), callId, CALLER_CONNECTION, callerJoin);
    }

    @Test
    void aStrangerOrAnUnknownCallIsNotFound() throws Exception {
        String callId = storedCall(CallState.RINGING, null);
        callerJoins(callId);
        String mediaPath = "/v1/calls/" + callId + "/media";

        Reply mallory = getMedia(callId, "sample-mallory");

        assertProblem(mallory, 404, "call-not-found", mediaPath);
        assertThat(mallory.text("title")).isEqualTo("No such call");
        assertThat(mallory.body().toString()).doesNotContain("attendee-caller");

        String unknown = "call-" + UUID.randomUUID().toString().replace("-", "");
        assertProblem(getMedia(unknown, MEDIA_CALLER), 404, "call-not-found", "/v1/calls/" + unknown + "/media");
        assertProblem(invoke(edited("get-call-unknown.json", path("/v1/calls/not%20an%20id/media"))), 404,
                "call-not-found", "/v1/calls/not%20an%20id/media");
    }

    @Test
    void anEndedCallHasNoMedia() throws Exception {
        String callId = storedCall(CallState.ENDED, EndReason.COMPLETED);
        callerJoins(callId); // a leg the switch has not torn down yet: the ended call alone refuses it
        String mediaPath = "/v1/calls/" + callId + "/media";

        assertProblem(getMedia(callId, MEDIA_CALLER), 404, "no-media", mediaPath);
        assertProblem(getMedia(callId, MEDIA_CALLEE), 404, "no-media", mediaPath);

        callMedia().close(callId, Instant.now().plus(Duration.ofHours(1)));

        Reply closed = getMedia(callId, MEDIA_CALLER);
        assertProblem(closed, 404, "no-media", mediaPath);
        assertThat(closed.body().toString()).doesNotContain("token-of-attendee-caller");
    }

    @Test
    void theMediaPathTakesOnlyGet() throws Exception {
        String callId = storedCall(CallState.RINGING, null);
        callerJoins(callId);
        String mediaPath = "/v1/calls/" + callId + "/media";

        for (String method : List.of("POST", "PUT", "DELETE")) {
            Reply reply = invoke(edited("hangup-call.json", mediaOf(callId).andThen(sub(MEDIA_CALLER))
                    .andThen(method(method))));

            assertProblem(reply, 405, "method-not-allowed", mediaPath);
            assertThat(reply.header("allow")).as(method).isEqualTo("GET");
            assertThat(reply.body().toString()).doesNotContain("token-of-attendee-caller");
        }
        assertThat(queued()).isEmpty();
    }

    @Test
    void unknownPathsAreNotFoundAndOtherMethodsNotAllowed() throws Exception {
        assertProblem(invoke(edited("get-call-unknown.json", path("/v1/nothing-here"))), 404, "not-found",
                "/v1/nothing-here");

        Reply delete = invoke(edited("list-calls.json", method("DELETE")));

        assertProblem(delete, 405, "method-not-allowed", "/v1/calls");
        assertThat(delete.header("allow")).isEqualTo("GET, POST");
    }
}
