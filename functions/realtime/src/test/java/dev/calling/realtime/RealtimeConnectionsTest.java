package dev.calling.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.session.ConnectionEvent;
import dev.calling.core.session.ConnectionEvent.ConnectionClosed;
import dev.calling.core.session.ConnectionEvent.ConnectionHeartbeat;
import dev.calling.core.session.ConnectionEvent.ConnectionOpened;
import dev.calling.realtime.RealtimeConnections.Reply;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RealtimeConnectionsTest {

    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    static final Instant CONNECTED = Instant.parse("2026-11-25T09:59:58Z");

    final List<ConnectionEvent> published = new ArrayList<>();
    final RealtimeConnections connections = new RealtimeConnections(published::add, Clock.fixed(NOW, ZoneOffset.UTC));

    static Reply error(int status, String detail) {
        return Reply.error(status, detail);
    }

    @Test
    void aConnectionOpensASessionNamedByItsDevice() {
        assertThat(connections.connect("alice", "c1", "alice-phone_2", CONNECTED)).isEqualTo(Reply.ok());

        assertThat(published).containsExactly(new ConnectionOpened("ws:c1:opened", "alice", "alice-phone_2", "c1", CONNECTED));
    }

    @Test
    void withoutADeviceTheConnectionIsItsOwnSessionAndTheClockGivesTheTime() {
        connections.connect("alice", "c1", null, null);

        assertThat(published).containsExactly(new ConnectionOpened("ws:c1:opened", "alice", "c1", "c1", NOW));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "alice phone", "alice/phone", "ÄLICE",
            "a1234567890123456789012345678901234567890123456789012345678901234"})
    void anInvalidDeviceRefusesTheConnection(String device) {
        assertThat(connections.connect("alice", "c1", device, CONNECTED)).isEqualTo(
                error(400, "device must be 1-64 characters of A-Z, a-z, 0-9, '_' and '-'"));
        assertThat(published).isEmpty();
    }

    @Test
    void aDeviceOfSixtyFourCharactersIsAccepted() {
        String device = "d".repeat(64);

        assertThat(connections.connect("alice", "c1", device, CONNECTED).statusCode()).isEqualTo(200);
    }

    @Test
    void aDisconnectClosesTheConnectionWithAnIdRedeliveriesShare() {
        assertThat(connections.disconnect("alice", "c1", NOW.minusSeconds(1))).isEqualTo(Reply.ok());
        connections.disconnect("alice", "c1", null);

        assertThat(published).containsExactly(
                new ConnectionClosed("ws:c1:closed", "alice", "c1", NOW.minusSeconds(1)),
                new ConnectionClosed("ws:c1:closed", "alice", "c1", NOW));
    }

    @Test
    void aHeartbeatIsPublishedAndAnsweredWithTheConnectionsOwnId() {
        Reply reply = connections.message("alice", "c1", " {\"action\": \"heartbeat\"} ", NOW);

        assertThat(reply).isEqualTo(new Reply(200, "{\"type\":\"heartbeat\",\"connectionId\":\"c1\",\"userId\":\"alice\"}"));
        assertThat(published).singleElement().isInstanceOfSatisfying(ConnectionHeartbeat.class, beat -> {
            assertThat(beat.userId()).isEqualTo("alice");
            assertThat(beat.connectionId()).isEqualTo("c1");
            assertThat(beat.at()).isEqualTo(NOW);
        });
    }

    @Test
    void everyHeartbeatIsItsOwnEvent() {
        connections.message("alice", "c1", "{\"action\":\"heartbeat\"}", NOW);
        connections.message("alice", "c1", "{\"action\":\"heartbeat\"}", NOW);

        assertThat(published).extracting(ConnectionEvent::eventId).doesNotHaveDuplicates();
    }

    @Test
    void badMessagesAreRefusedWithAReasonAndPublishNothing() {
        assertThat(connections.message("alice", "c1", "{\"action\":\"heartbeat\"", NOW)).isEqualTo(error(400,
                "malformed JSON at line 1, column 22: Unexpected end-of-input: expected close marker for Object"));
        assertThat(connections.message("alice", "c1", "{\"action\":\"heartbeat\"} {}", NOW).body())
                .contains("malformed JSON at line 1, column 24: Trailing token");
        assertThat(connections.message("alice", "c1", "", NOW))
                .isEqualTo(error(400, "empty message; send {\"action\":\"heartbeat\"}"));
        assertThat(connections.message("alice", "c1", null, NOW).statusCode()).isEqualTo(400);
        assertThat(connections.message("alice", "c1", "[\"heartbeat\"]", NOW))
                .isEqualTo(error(400, "a message is a JSON object like {\"action\":\"heartbeat\"}"));
        assertThat(connections.message("alice", "c1", "{\"type\":\"heartbeat\"}", NOW))
                .isEqualTo(error(400, "no \"action\" in the message; send {\"action\":\"heartbeat\"}"));
        assertThat(connections.message("alice", "c1", "{\"action\":1}", NOW).statusCode()).isEqualTo(400);
        assertThat(connections.message("alice", "c1", "{\"action\":\"call\"}", NOW))
                .isEqualTo(error(400, "unknown action \"call\"; the only action is \"heartbeat\""));
        assertThat(published).isEmpty();
    }

    @Test
    void messagesAreLimitedToFourKibibytesOfUtf8() {
        String prefix = "{\"action\":\"heartbeat\",\"pad\":\"";
        String suffix = "\"}";
        String fits = prefix + "x".repeat(4096 - prefix.length() - suffix.length()) + suffix;
        // Same character count, but 'é' is two bytes in UTF-8.
        String tooBig = prefix + "é" + "x".repeat(4096 - prefix.length() - suffix.length() - 1) + suffix;

        assertThat(connections.message("alice", "c1", fits, NOW).statusCode()).isEqualTo(200);
        assertThat(connections.message("alice", "c1", tooBig, NOW))
                .isEqualTo(error(400, "message is 4097 bytes; at most 4096 are accepted"));
        assertThat(published).hasSize(1);
    }

    @Test
    void withoutAnAuthenticatedUserNothingIsPublished() {
        Reply refused = error(401, "not authenticated: connect with a token");

        assertThat(connections.connect(null, "c1", null, CONNECTED)).isEqualTo(refused);
        assertThat(connections.connect(" ", "c1", null, CONNECTED)).isEqualTo(refused);
        assertThat(connections.message(null, "c1", "{\"action\":\"heartbeat\"}", NOW)).isEqualTo(refused);
        assertThat(connections.disconnect(null, "c1", NOW)).isEqualTo(refused);
        assertThat(connections.connect("alice", null, null, CONNECTED)).isEqualTo(error(400, "no connection id"));
        assertThat(published).isEmpty();
    }
}
