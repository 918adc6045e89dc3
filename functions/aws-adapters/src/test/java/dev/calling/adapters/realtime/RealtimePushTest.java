package dev.calling.adapters.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.calling.adapters.AwsClients;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.routing.Route;
import dev.calling.core.session.Connection;
import dev.calling.core.session.ConnectionState;
import dev.calling.core.session.SessionDirectory;
import dev.calling.core.session.UserSessions;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The push through the real SDK client against a stand-in for the WebSocket API's management
 * endpoint: every live connection of both parties gets the call as its user sees it, and gone or
 * failing connections neither stop the others nor make the push throw.
 */
class RealtimePushTest {

    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

    HttpServer management;
    final Map<String, String> posted = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        management = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        management.createContext("/@connections/", exchange -> {
            String id = URLDecoder.decode(exchange.getRequestURI().getPath().substring("/@connections/".length()),
                    StandardCharsets.UTF_8);
            posted.put(id, new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int status = id.startsWith("gone") ? 410 : id.startsWith("broken") ? 500 : 200;
            if (status == 410) {
                exchange.getResponseHeaders().add("x-amzn-ErrorType", "GoneException");
            }
            byte[] body = status == 200 ? new byte[0] : "{\"message\":\"no\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        management.start();
    }

    @AfterEach
    void stop() {
        management.stop(0);
    }

    static Connection live(String userId, String connectionId) {
        return new Connection(userId, "s", connectionId, ConnectionState.OPEN, NOW, NOW, NOW.plusSeconds(60));
    }

    @Test
    void everyLiveConnectionOfBothPartiesGetsTheCallAsItsUserSeesIt() throws Exception {
        Map<String, List<Connection>> connections = Map.of(
                "alice", List.of(live("alice", "gone-1"), live("alice", "alice-c1")),
                "bob", List.of(live("bob", "broken-1"), live("bob", "bob-c1")));
        SessionDirectory sessions = new SessionDirectory() {
            public UserSessions sessionsOf(String userId) {
                return UserSessions.of(userId, connections.getOrDefault(userId, List.of()));
            }

            public Optional<Connection> connection(String connectionId) {
                return Optional.empty();
            }
        };
        var request = new CallEvent.CallRequested("r", "call-1", NOW, "alice", "alice-c1", "bob");
        Call ringing = new CallStateMachine(Duration.ofSeconds(45))
                .start(request, List.of("alice-c1"), new Route.Voip(List.of("bob-c1"), List.of())).call();
        URI endpoint = URI.create("http://localhost:" + management.getAddress().getPort());
        var clients = new AwsClients("us-east-1", Optional.of(endpoint), Optional.empty());

        new RealtimePush(clients.apiGatewayManagement(endpoint), sessions, Clock.fixed(NOW, ZoneOffset.UTC))
                .callChanged(ringing);

        assertThat(posted).containsOnlyKeys("gone-1", "alice-c1", "broken-1", "bob-c1");
        JsonNode toBob = new ObjectMapper().readTree(posted.get("bob-c1"));
        assertThat(toBob.path("type").asText()).isEqualTo("call");
        assertThat(toBob.path("connectionId").asText()).isEqualTo("bob-c1");
        assertThat(toBob.path("call").path("state").asText()).isEqualTo("RINGING");
        assertThat(toBob.path("call").path("direction").asText()).isEqualTo("INCOMING");
        assertThat(new ObjectMapper().readTree(posted.get("alice-c1")).path("call").path("direction").asText())
                .isEqualTo("OUTGOING");
    }
}
