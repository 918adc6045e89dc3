package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.core.money.Money;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The apps' view of the system: real HTTP requests to the local HTTP API and real WebSockets to
 * the local WebSocket API, in front of the CallApi, RealtimeAuthorizer and Realtime functions, with
 * the call state manager pushing call changes back through the management endpoint. Tokens are
 * signed with a test key and verified as API Gateway's authorizers would.
 */
class CallApiIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static LocalSystem system;
    static DevTokenIssuer tokens;
    static URI http;
    static URI ws;
    static LocalApps apps;

    @BeforeAll
    static void start() {
        tokens = DevTokenIssuer.generate();
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(Duration.ofSeconds(20))
                .withRetryAfter(Duration.ofSeconds(1)).withApi(new LocalSystem.Api(0, 0, tokens)));
        http = system.gateway().orElseThrow().httpEndpoint();
        ws = system.gateway().orElseThrow().webSocketEndpoint();
        apps = new LocalApps(system, tokens, WAIT);
    }

    @AfterAll
    static void stop() {
        apps.close();
        system.close();
    }

    static String user(String name) {
        return LocalApps.user(name);
    }

    static AppClient app(String userId) {
        return apps.app(userId);
    }

    static AppClient.Socket online(String userId) {
        return apps.online(userId).socket();
    }

    static String placeCall(AppClient caller, String calleeUserId) {
        return apps.placeCall(caller, calleeUserId);
    }

    @Test
    void theCalleeLearnsOfTheCallOverItsWebSocketAnswersAndEitherSideSeesItThrough() {
        String alice = user("alice");
        String bob = user("bob");
        var aliceSocket = online(alice);
        var bobSocket = online(bob);
        AppClient aliceApp = app(alice);
        AppClient bobApp = app(bob);

        var placed = aliceApp.post("/v1/calls", "{\"calleeUserId\":\"" + bob + "\"}", "Idempotency-Key", "k-1");
        assertThat(placed.status()).isEqualTo(202);
        assertThat(placed.contentType()).isEqualTo("application/json");
        String callId = placed.body().path("callId").asText();
        assertThat(placed.raw().headers().firstValue("location")).hasValue("/v1/calls/" + callId);
        assertThat(placed.body().path("state").asText()).isEqualTo("REQUESTED");

        JsonNode incoming = bobSocket.awaitCall(callId, "RINGING");
        assertThat(incoming.path("call").path("direction").asText()).isEqualTo("INCOMING");
        assertThat(incoming.path("call").path("callerUserId").asText()).isEqualTo(alice);
        aliceSocket.awaitCall(callId, "RINGING");

        var answered = bobApp.post("/v1/calls/" + callId + "/answer",
                "{\"connectionId\":\"" + incoming.path("connectionId").asText() + "\"}");
        assertThat(answered.status()).as(answered.body().toString()).isEqualTo(202);
        aliceSocket.awaitCall(callId, "CONNECTED");
        bobSocket.awaitCall(callId, "CONNECTED");
        assertThat(aliceApp.get("/v1/calls/" + callId).body().path("state").asText()).isEqualTo("CONNECTED");

        var again = bobApp.post("/v1/calls/" + callId + "/answer", null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.problemType()).isEqualTo("wrong-state");

        var hungUp = aliceApp.post("/v1/calls/" + callId + "/hangup", null);
        assertThat(hungUp.status()).isEqualTo(202);
        JsonNode ended = bobSocket.awaitCall(callId, "ENDED");
        assertThat(ended.path("call").path("endReason").asText()).isEqualTo("COMPLETED");
        assertThat(system.call(callId).orElseThrow().endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(system.simulatedSwitch().tornDown(callId)).hasSize(2);

        var bobsCall = bobApp.get("/v1/calls/" + callId);
        assertThat(bobsCall.status()).isEqualTo(200);
        assertThat(bobsCall.body().path("direction").asText()).isEqualTo("INCOMING");
        assertThat(bobsCall.body().path("answeredAt").isTextual()).isTrue();
    }

    @Test
    void aUserCannotReadAnswerOrHangUpSomeoneElsesCall() {
        String alice = user("alice");
        String bob = user("bob");
        online(alice);
        var bobSocket = online(bob);
        String callId = placeCall(app(alice), bob);
        bobSocket.awaitCall(callId, "RINGING");

        AppClient mallory = app(user("mallory"));
        for (var reply : List.of(mallory.get("/v1/calls/" + callId), mallory.post("/v1/calls/" + callId + "/hangup", null),
                mallory.post("/v1/calls/" + callId + "/answer", null), mallory.post("/v1/calls/" + callId + "/reject", null))) {
            assertThat(reply.status()).isEqualTo(404);
            assertThat(reply.contentType()).isEqualTo("application/problem+json");
            assertThat(reply.problemType()).isEqualTo("call-not-found");
        }
        var callerAnswers = app(alice).post("/v1/calls/" + callId + "/answer", null);
        assertThat(callerAnswers.status()).isEqualTo(403);
        assertThat(callerAnswers.problemType()).isEqualTo("not-allowed");
        assertThat(system.call(callId).orElseThrow().state()).isEqualTo(CallState.RINGING);

        assertThat(app(bob).post("/v1/calls/" + callId + "/reject", null).status()).isEqualTo(202);
        assertThat(system.awaitEnded(callId, WAIT).endReason()).isEqualTo(EndReason.REJECTED);
        var late = app(bob).post("/v1/calls/" + callId + "/answer", null);
        assertThat(late.status()).as("answering an ended call").isEqualTo(409);
        assertThat(late.body().path("detail").asText()).contains("ENDED");
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyReturnsTheSameCallAndADifferentRequestWithItIsRefused() {
        String alice = user("alice");
        String bob = user("bob");
        online(alice);
        online(bob);
        AppClient aliceApp = app(alice);
        String body = "{\"calleeUserId\":\"" + bob + "\"}";

        var first = aliceApp.post("/v1/calls", body, "Idempotency-Key", "retry-me");
        var retry = aliceApp.post("/v1/calls", body, "Idempotency-Key", "retry-me");
        assertThat(retry.status()).isEqualTo(202);
        assertThat(retry.body().path("callId").asText()).isEqualTo(first.body().path("callId").asText());
        assertThat(retry.raw().headers().firstValue("idempotent-replayed")).hasValue("true");

        var other = aliceApp.post("/v1/calls", "{\"calleeUserId\":\"" + user("carol") + "\"}", "Idempotency-Key", "retry-me");
        assertThat(other.status()).isEqualTo(422);
        assertThat(other.problemType()).isEqualTo("idempotency-key-reused");

        String callId = first.body().path("callId").asText();
        system.awaitState(callId, CallState.RINGING, WAIT);
        LocalSystem.awaitCondition(WAIT, () -> aliceApp.get("/v1/calls").body().path("calls").size() == 1,
                "the call to be listed");
        assertThat(aliceApp.get("/v1/calls").body().path("calls").get(0).path("callId").asText()).isEqualTo(callId);
    }

    @Test
    void callsAreListedNewestFirstPageByPage() {
        String alice = user("alice");
        String bob = user("bob");
        online(alice);
        online(bob);
        AppClient aliceApp = app(alice);
        String older = placeCall(aliceApp, bob);
        system.awaitState(older, CallState.RINGING, WAIT);
        aliceApp.post("/v1/calls/" + older + "/hangup", null);
        system.awaitEnded(older, WAIT);
        String newer = placeCall(aliceApp, bob);
        system.awaitState(newer, CallState.RINGING, WAIT);

        LocalSystem.awaitCondition(WAIT, () -> aliceApp.get("/v1/calls").body().path("calls").size() == 2,
                "both calls to be listed");
        var first = aliceApp.get("/v1/calls?limit=1");
        assertThat(first.body().path("calls").get(0).path("callId").asText()).isEqualTo(newer);
        String cursor = first.body().path("nextCursor").asText();
        var second = aliceApp.get("/v1/calls?limit=1&cursor=" + cursor);
        assertThat(second.body().path("calls").get(0).path("callId").asText()).isEqualTo(older);
        assertThat(second.body().path("calls").get(0).path("endReason").asText()).isEqualTo("CANCELLED");

        var bobs = app(bob).get("/v1/calls").body().path("calls");
        assertThat(bobs).hasSize(2);
        assertThat(bobs.get(0).path("direction").asText()).isEqualTo("INCOMING");
        assertThat(aliceApp.get("/v1/calls?cursor=not-a-cursor").status()).isEqualTo(400);
        assertThat(aliceApp.get("/v1/calls?limit=1000").problemType()).isEqualTo("invalid-request");
        app(alice).post("/v1/calls/" + newer + "/hangup", null);
    }

    @Test
    void badInputGetsAProblemAndWritesNothing() {
        String alice = user("alice");
        online(alice);
        AppClient aliceApp = app(alice);

        assertProblem(aliceApp.post("/v1/calls", "{\"calleeUserId\": ", "Idempotency-Key", "k"), 400, "malformed-json");
        assertProblem(aliceApp.post("/v1/calls", "[1,2]", "Idempotency-Key", "k"), 400, "malformed-json");
        assertProblem(aliceApp.post("/v1/calls", "{\"phoneNumber\":\"+44 20 7183 8750\"}", "Idempotency-Key", "k"), 400,
                "invalid-phone-number");
        assertProblem(aliceApp.post("/v1/calls", "{\"phoneNumber\":\"+99912345\"}", "Idempotency-Key", "k"), 400,
                "invalid-phone-number");
        assertProblem(aliceApp.post("/v1/calls", "{\"calleeUserId\":\"bob\"}"), 400, "invalid-request");
        assertProblem(aliceApp.post("/v1/calls", "{\"calleeUserId\":\"bob\",\"extra\":1}", "Idempotency-Key", "k"), 400,
                "invalid-request");
        assertProblem(aliceApp.post("/v1/calls", "{\"calleeUserId\":42}", "Idempotency-Key", "k"), 400, "invalid-request");
        assertProblem(aliceApp.post("/v1/calls", "{\"calleeUserId\":\"" + "x".repeat(20_000) + "\"}",
                "Idempotency-Key", "k"), 413, "payload-too-large");
        assertProblem(aliceApp.send(HttpRequest.newBuilder(http.resolve("/v1/calls"))
                .POST(HttpRequest.BodyPublishers.ofString("calleeUserId=bob"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Idempotency-Key", "k")), 415,
                "unsupported-media-type");
        assertProblem(aliceApp.get("/v1/calls/call-does-not-exist"), 404, "call-not-found");
        assertProblem(aliceApp.post("/v1/calls/call-does-not-exist/hangup", null), 404, "call-not-found");
        assertProblem(aliceApp.get("/v1/nothing-here"), 404, "not-found");
        var wrongMethod = aliceApp.send(HttpRequest.newBuilder(http.resolve("/v1/calls"))
                .method("DELETE", HttpRequest.BodyPublishers.noBody()));
        assertProblem(wrongMethod, 405, "method-not-allowed");
        assertThat(wrongMethod.raw().headers().firstValue("allow")).hasValue("GET, POST");
        assertProblem(app(user("offline")).post("/v1/calls", "{\"calleeUserId\":\"bob\"}", "Idempotency-Key", "k"), 409,
                "not-connected");
        assertProblem(aliceApp.post("/v1/calls", "{\"calleeUserId\":\"" + alice + "\"}", "Idempotency-Key", "self"), 400,
                "invalid-request");

        assertThat(aliceApp.get("/v1/calls").body().path("calls")).as("nothing was placed").isEmpty();
    }

    @Test
    void missingExpiredOrForgedTokensAreUnauthorized() {
        assertProblem(new AppClient(http, null).get("/v1/calls"), 401, "unauthorized");
        String expired = tokens.mint("alice", Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1));
        var reply = new AppClient(http, expired).get("/v1/calls");
        assertProblem(reply, 401, "unauthorized");
        assertThat(reply.body().path("detail").asText()).containsIgnoringCase("expired");
        String foreign = DevTokenIssuer.generate().mint("alice", Duration.ofMinutes(5));
        assertProblem(new AppClient(http, foreign).get("/v1/calls"), 401, "unauthorized");
        assertProblem(new AppClient(http, "not.a.jwt").get("/v1/me/balance"), 401, "unauthorized");

        assertThatThrownBy(() -> AppClient.Socket.connect(ws, expired)).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
                        .isEqualTo(401));
    }

    @Test
    void aMalformedRealtimeMessageIsAnsweredWithAnError() {
        var socket = online(user("alice"));
        socket.send("{not json");
        assertThat(socket.await(m -> m.path("type").asText().equals("error"), Duration.ofSeconds(10))
                .path("detail").asText()).isNotBlank();
    }

    @Test
    void theBalanceAndTheLedgerNewestFirst() {
        String alice = user("alice");
        system.accounts().topUp(alice, "card-1", Money.of("5.00", "USD"), Instant.now());
        system.accounts().topUp(alice, "card-2", Money.of("2.50", "USD"), Instant.now());
        AppClient aliceApp = app(alice);

        var balance = aliceApp.get("/v1/me/balance");
        assertThat(balance.status()).isEqualTo(200);
        assertThat(balance.body().path("balance").path("amount").asText()).isEqualTo("7.50");
        assertThat(balance.body().path("available").path("currency").asText()).isEqualTo("USD");

        var page = aliceApp.get("/v1/me/ledger?limit=1");
        assertThat(page.body().path("entries").get(0).path("reference").asText()).isEqualTo("card-2");
        var next = aliceApp.get("/v1/me/ledger?limit=1&cursor=" + page.body().path("nextCursor").asText());
        assertThat(next.body().path("entries").get(0).path("reference").asText()).isEqualTo("card-1");
        assertThat(next.body().path("entries").get(0).path("kind").asText()).isEqualTo("TOP_UP");
        assertProblem(aliceApp.get("/v1/me/ledger?cursor=bm9wZQ"), 400, "invalid-request");
        assertThat(app(user("nobody")).get("/v1/me/balance").body().path("balance").path("amount").asText())
                .isEqualTo("0.00");
    }

    static void assertProblem(AppClient.Reply reply, int status, String type) {
        assertThat(reply.status()).as(reply.body().toString()).isEqualTo(status);
        assertThat(reply.contentType()).isEqualTo("application/problem+json");
        assertThat(reply.problemType()).isEqualTo(type);
        assertThat(reply.body().path("status").asInt()).isEqualTo(status);
        assertThat(reply.body().path("detail").asText()).isNotBlank();
    }

    /**
     * {@code tools/ws-client <token> --ws-port=N}, the README's way to watch a user's pushes: the tool itself (run as
     * the script runs it, a JDK source file) connects to the port given, is listed live, and prints the push of a call.
     */
    @Test
    void theWsClientToolConnectsToThePortGivenAndPrintsPushes() throws Exception {
        Path tool = Path.of("../../tools/WsClient.java").toAbsolutePath().normalize();
        assertThat(tool).exists();
        String ben = user("ben");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process client = new ProcessBuilder(java, tool.toString(), tokens.mint(ben, Duration.ofMinutes(10)),
                "--ws-port=" + ws.getPort()).redirectErrorStream(true).start();
        BlockingQueue<String> printed = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (var lines = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
                lines.lines().forEach(printed::add);
            } catch (java.io.IOException closed) {
                // the process was stopped
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            assertThat(nextLine(printed, l -> l.startsWith("connected to"))).isEqualTo("connected to ws://localhost:" + ws.getPort());
            String heartbeat = nextLine(printed, l -> l.contains("\"heartbeat\""));
            String connectionId = new com.fasterxml.jackson.databind.ObjectMapper().readTree(heartbeat.substring(3))
                    .path("connectionId").asText();
            LocalSystem.awaitCondition(WAIT, () -> system.sessions().sessionsOf(ben).liveConnectionIds(Instant.now())
                    .contains(connectionId), "ws-client's connection to be live");

            String ann = user("ann");
            apps.online(ann);
            String callId = apps.placeCall(app(ann), ben);

            assertThat(nextLine(printed, l -> l.contains(callId) && l.contains("\"RINGING\""))).startsWith("<< {\"type\":\"call\"");
        } finally {
            client.destroy();
            client.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theWsClientToolRefusesAnArgumentThatIsNeitherAPortNorAnEndpoint() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process client = new ProcessBuilder(java, Path.of("../../tools/WsClient.java").toString(), "a-token", "8088")
                .redirectErrorStream(true).start();
        String said = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(client.exitValue()).isEqualTo(2);
        assertThat(said).startsWith("usage: tools/ws-client <token> [--ws-port=N | ws://localhost:8088]");
    }

    /** The next line the tool printed that matches, skipping others. */
    static String nextLine(BlockingQueue<String> printed, java.util.function.Predicate<String> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            String line = printed.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && wanted.test(line)) {
                return line;
            }
        }
        throw new AssertionError("ws-client printed no such line within " + WAIT);
    }
}
