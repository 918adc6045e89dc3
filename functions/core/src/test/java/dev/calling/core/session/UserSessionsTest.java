package dev.calling.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class UserSessionsTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");

    @Test
    void groupsConnectionsBySessionAndKeepsOnlyLiveOnes() {
        UserSessions bob = UserSessions.of("bob", List.of(
                new Connection("bob", "phone", "p2", ConnectionState.OPEN, NOW, NOW, NOW.plusSeconds(30)),
                new Connection("bob", "laptop", "l1", ConnectionState.OPEN, NOW, NOW, NOW.minusSeconds(1)),
                new Connection("bob", "phone", "p1", ConnectionState.CLOSED, NOW, NOW, NOW.plusSeconds(3600))));

        assertThat(bob.sessions()).extracting(Session::sessionId).containsExactly("laptop", "phone");
        assertThat(bob.sessions().get(1).connections()).extracting(Connection::connectionId).containsExactly("p1", "p2");
        assertThat(bob.liveConnectionIds(NOW)).containsExactly("p2");
    }
}
