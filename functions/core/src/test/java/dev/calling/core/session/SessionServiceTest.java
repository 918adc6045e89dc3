package dev.calling.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SessionServiceTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    final List<String> calls = new ArrayList<>();
    final SessionStore store = new SessionStore() {
        public boolean open(Connection c) { calls.add("open " + c.connectionId() + " until " + c.expiresAt()); return true; }
        public boolean heartbeat(String u, String c, Instant seen, Instant exp) { calls.add("beat " + c + " until " + exp); return true; }
        public void close(String u, String c, Instant at, Instant forget) { calls.add("close " + c + " forget " + forget); }
        public UserSessions sessionsOf(String userId) { return UserSessions.of(userId, List.of()); }
        public Optional<Connection> connection(String id) { return Optional.empty(); }
    };
    final SessionService service = new SessionService(store, Duration.ofSeconds(90), Duration.ofDays(1));

    @Test
    void eachEventBecomesOneStoreWriteWithItsExpiry() {
        service.handle(new ConnectionEvent.ConnectionOpened("1", "bob", "s", "b1", T0));
        service.handle(new ConnectionEvent.ConnectionHeartbeat("2", "bob", "b1", T0.plusSeconds(30)));
        service.handle(new ConnectionEvent.ConnectionClosed("3", "bob", "b1", T0.plusSeconds(40)));

        assertThat(calls).containsExactly(
                "open b1 until 2026-11-24T10:01:30Z",
                "beat b1 until 2026-11-24T10:02:00Z",
                "close b1 forget 2026-11-25T10:00:40Z");
    }
}
