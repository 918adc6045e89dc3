package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.Resources;
import dev.calling.adapters.auth.DevTokenIssuer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.ForbiddenException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests as an attacker would write them, on raw sockets (a well-behaved HTTP client refuses to send most of
 * them), against the local gateway in front of the real functions: each is answered at once (within the read
 * timeout, never left hanging) with the status it deserves and, on the apps' API, an
 * {@code application/problem+json} body; none writes anything.
 */
class HostileInputIntegrationTest {

    /** Generous: the machine may be loaded. A request left unanswered would wait for ever without it. */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(30);
    static LocalSystem system;
    static software.amazon.awssdk.services.dynamodb.DynamoDbClient dynamoDb;
    static String token;

    @BeforeAll
    static void start() {
        DevTokenIssuer tokens = DevTokenIssuer.generate();
        system = LocalSystem.start(LocalSystem.Settings.defaults().withApi(new LocalSystem.Api(0, 0, tokens)));
        token = tokens.mint("mallory", Duration.ofMinutes(30));
        dynamoDb = system.aws().clients().dynamoDb();
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        system.close();
    }

    record Answer(int status, Map<String, String> headers, String body) {}

    static Stream<Arguments> apiRequests() {
        String auth = "Authorization: Bearer {TOKEN}\r\n";
        return Stream.of(
                Arguments.of("bad escape in the query", "GET /v1/calls?limit=%zz HTTP/1.1\r\n" + auth + "\r\n", 400,
                        "malformed-request"),
                Arguments.of("truncated escape in the cursor", "GET /v1/calls?cursor=%E0%A4%A HTTP/1.1\r\n" + auth
                        + "\r\n", 400, "malformed-request"),
                Arguments.of("bad escape in the path", "GET /v1/calls/%zz HTTP/1.1\r\n" + auth + "\r\n", 400,
                        "malformed-request"),
                Arguments.of("a POST with a bad query", "POST /v1/calls?x=%zz HTTP/1.1\r\n" + auth
                        + "Content-Type: application/json\r\nContent-Length: 24\r\n\r\n{\"calleeUserId\":\"ben\"}  ",
                        400, "malformed-request"),
                Arguments.of("bad escape, no token", "GET /v1/calls?limit=%zz HTTP/1.1\r\n\r\n", 400,
                        "malformed-request"),
                Arguments.of("a request line over the limit", "GET /v1/calls?x=" + "a".repeat(8_000) + " HTTP/1.1\r\n"
                        + auth + "\r\n", 414, "uri-too-long"),
                Arguments.of("headers over the limit", "GET /v1/calls HTTP/1.1\r\nX-Big: " + "b".repeat(12_000)
                        + "\r\n" + auth + "\r\n", 431, "headers-too-large"),
                Arguments.of("not HTTP", "HELLO THERE\r\n\r\n", 400, "malformed-request"),
                Arguments.of("a body over 10 MiB", "POST /v1/calls HTTP/1.1\r\n" + auth
                        + "Content-Type: application/json\r\nContent-Length: 11534336\r\n\r\n" + "x".repeat(11_534_336),
                        413, "payload-too-large"),
                Arguments.of("an expired-looking token", "GET /v1/calls HTTP/1.1\r\nAuthorization: Bearer e30.e30.x"
                        + "\r\n\r\n", 401, "unauthorized"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apiRequests")
    void theAppsApiAnswersEveryMalformedRequestAtOnceWithAProblemAndWritesNothing(String what, String request,
            int status, String problem) throws Exception {
        long before = items();
        Answer answer = send(system.gateway().orElseThrow().httpEndpoint().getPort(), request.replace("{TOKEN}", token));

        assertThat(answer.status()).as(what + ": " + answer.body()).isEqualTo(status);
        assertThat(answer.headers()).containsEntry("content-type", "application/problem+json");
        JsonNode body = AppClient.JSON.readTree(answer.body());
        assertThat(body.path("type").asText()).isEqualTo("https://calling.dev/problems/" + problem);
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(answer.body()).as("input is never echoed").doesNotContain("%zz").doesNotContain("aaaaaaaa")
                .doesNotContain("bbbbbbbb");
        assertThat(items()).as("nothing written").isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("managementRequests")
    void theManagementEndpointAnswersMalformedRequestsAtOnce(String what, String request, int status) throws Exception {
        Answer answer = send(system.gateway().orElseThrow().webSocketEndpoint().getPort(), request);

        assertThat(answer.status()).as(what + ": " + answer.body()).isEqualTo(status);
    }

    static Stream<Arguments> managementRequests() {
        return Stream.of(
                Arguments.of("an unsigned post with a bad escape in the connection id", "POST /@connections/%zz "
                        + "HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 403),
                Arguments.of("an unsigned post to a connection", "POST /@connections/AAAAAAAAAAAAAAA= HTTP/1.1\r\n"
                        + "Content-Length: 2\r\n\r\n{}", 403),
                Arguments.of("a signature in the right shape by someone else", "POST /@connections/AAAAAAAAAAAAAAA= "
                        + "HTTP/1.1\r\nX-Amz-Date: 20261205T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential="
                        + "AKIDEXAMPLE/20261205/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, "
                        + "Signature=" + "0".repeat(64) + "\r\nContent-Length: 2\r\n\r\n{}", 403),
                Arguments.of("a WebSocket upgrade with a bad escape in its token", "GET /?token=%zz HTTP/1.1\r\n"
                        + "Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400));
    }

    @Test
    void onlyThisRunsSignatureReachesAnAppsSocket() throws Exception {
        LocalGateway gateway = system.gateway().orElseThrow();
        try (var intruder = system.aws().clients().apiGatewayManagement(gateway.managementEndpoint(),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")));
                var functions = system.aws().clients().apiGatewayManagement(gateway.managementEndpoint(),
                        gateway.managementCredentials());
                var socket = AppClient.Socket.connect(gateway.webSocketEndpoint(), token)) {
            String connectionId = socket.heartbeat();
            SdkBytes fakeCall = SdkBytes.fromUtf8String("{\"type\":\"call\",\"call\":{\"state\":\"RINGING\"}}");

            assertThatThrownBy(() -> intruder.postToConnection(r -> r.connectionId(connectionId).data(fakeCall)))
                    .isInstanceOf(ForbiddenException.class);
            functions.postToConnection(r -> r.connectionId(connectionId).data(SdkBytes.fromUtf8String("{\"type\":\"ok\"}")));

            assertThat(socket.await(m -> true, Duration.ofSeconds(20)).path("type").asText())
                    .as("the intruder's message never arrived, the signed one did").isEqualTo("ok");
        }
    }

    /** How many generated requests {@link #generatedRequests} sends (more with {@code -Dhostile.requests=N}). */
    static final int GENERATED = Integer.getInteger("hostile.requests", 200);
    /** The generator's seed: fixed in the build, so a failure replays; {@code -Dhostile.seed=N} for another run. */
    static final long SEED = Long.getLong("hostile.seed", 20261205L);

    /**
     * Requests made by a generator over every route of the apps' API (methods, paths with hostile ids and escapes,
     * query strings, headers, bodies mutated from valid ones: flipped, cut, repeated, nested, retyped, with trailing
     * data, duplicate keys and invalid UTF-8). Each is answered within the bound; a refusal is a problem+json whose
     * status is the answer's and writes nothing to the tables the API writes; nothing is ever an internal error.
     */
    @Test
    void generatedRequestsAreEachAnsweredAtOnceAndRefusalsAreProblemsThatWriteNothing() throws Exception {
        int port = system.gateway().orElseThrow().httpEndpoint().getPort();
        var random = new java.util.Random(SEED);
        var statuses = new java.util.TreeMap<Integer, Integer>();
        for (int i = 0; i < GENERATED; i++) {
            String request = RequestGenerator.request(random, token);
            String replay = "request " + i + " of seed " + SEED + ": " + abbreviate(request);
            long before = apiItems();
            Answer answer = send(port, request);
            statuses.merge(answer.status(), 1, Integer::sum);

            assertThat(answer.status()).as(replay).isBetween(200, 499);
            if (answer.status() >= 400) {
                assertThat(answer.headers()).as(replay).containsEntry("content-type", "application/problem+json");
                JsonNode problem = AppClient.JSON.readTree(answer.body());
                assertThat(problem.path("status").asInt()).as(replay).isEqualTo(answer.status());
                assertThat(problem.path("type").asText()).as(replay).startsWith("https://calling.dev/problems/");
                assertThat(apiItems()).as("a refusal writes nothing: " + replay).isEqualTo(before);
            } else if (answer.status() != 204) {
                assertThat(answer.headers().get("content-type")).as(replay).startsWith("application/json");
                AppClient.JSON.readTree(answer.body());
            }
        }
        System.out.printf("hostile input: %d generated requests (seed %d), answers by status %s%n", GENERATED, SEED,
                statuses);
        assertThat(statuses.keySet()).as("the generator reaches refusals and successes").contains(200, 400, 404, 405);
    }

    private static String abbreviate(String request) {
        String shown = request.length() > 400 ? request.substring(0, 400) + "…(" + request.length() + " chars)" : request;
        return shown.replace("\r\n", "⏎");
    }

    /** Items in the tables the apps' API itself writes (the call state manager writes calls later, on its own). */
    static long apiItems() {
        long count = 0;
        for (var table : List.of(Resources.CALL_REQUESTS, Resources.CALL_ATTEMPTS, Resources.DEVICES,
                Resources.BLOCKS, Resources.SUBSCRIBERS)) {
            count += dynamoDb.scan(r -> r.tableName(table.name()).select(
                    software.amazon.awssdk.services.dynamodb.model.Select.COUNT)).count();
        }
        return count;
    }

    /** Items in the tables a request could write to. */
    static long items() {
        long count = 0;
        for (var table : List.of(Resources.CALLS, Resources.CALL_REQUESTS, Resources.DEVICES)) {
            count += dynamoDb.scan(r -> r.tableName(table.name())).count();
        }
        return count;
    }

    /** Sends raw bytes and reads the answer up to its Content-Length (or until the server closes). */
    static Answer send(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) ANSWER_WITHIN.toMillis());
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (SocketException closedEarly) {
                // the server answered and closed before reading all of it (a body too large): read the answer
            }
            return read(socket.getInputStream());
        }
    }

    private static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before an answer: " + head);
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }
}
