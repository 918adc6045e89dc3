package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.auth.DevTokenIssuer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test fixture: app users of a local system with the apps' APIs, on real HTTP and real WebSockets,
 * with tokens signed by the test key.
 */
final class LocalApps implements AutoCloseable {

    /** A user's app online: its WebSocket and the connection id the session service lists. */
    record Online(AppClient.Socket socket, String connectionId) {}

    private final LocalSystem system;
    private final DevTokenIssuer tokens;
    private final Duration wait;
    private final List<AppClient.Socket> sockets = new CopyOnWriteArrayList<>();

    LocalApps(LocalSystem system, DevTokenIssuer tokens, Duration wait) {
        this.system = system;
        this.tokens = tokens;
        this.wait = wait;
    }

    URI http() {
        return system.gateway().orElseThrow().httpEndpoint();
    }

    URI ws() {
        return system.gateway().orElseThrow().webSocketEndpoint();
    }

    /** A fresh user name per test, so tests share one system without seeing each other's calls. */
    static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    AppClient app(String userId) {
        return new AppClient(http(), tokens.mint(userId, Duration.ofMinutes(10)));
    }

    /** The user's app opens its realtime WebSocket and waits until the session service lists it as live. */
    Online online(String userId) {
        AppClient.Socket socket = AppClient.Socket.connect(ws(), tokens.mint(userId, Duration.ofMinutes(10)));
        sockets.add(socket);
        String connectionId = socket.heartbeat();
        LocalSystem.awaitCondition(wait, () -> system.sessions().sessionsOf(userId).liveConnectionIds(Instant.now())
                .contains(connectionId), userId + "'s WebSocket connection to be live");
        return new Online(socket, connectionId);
    }

    String placeCall(AppClient caller, String calleeUserId) {
        var placed = caller.post("/v1/calls", "{\"calleeUserId\":\"" + calleeUserId + "\"}",
                "Idempotency-Key", UUID.randomUUID().toString());
        assertThat(placed.status()).as(placed.body().toString()).isEqualTo(202);
        return placed.body().path("callId").asText();
    }

    @Override
    public void close() {
        sockets.forEach(AppClient.Socket::close);
    }
}
