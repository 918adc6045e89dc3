package dev.calling.core.session;

import java.time.Instant;
import java.util.Objects;

/** The messages of the {@code connection-events} queue: what the switch saw happen to a connection. */
public sealed interface ConnectionEvent {

    String eventId();

    String userId();

    String connectionId();

    Instant at();

    record ConnectionOpened(String eventId, String userId, String sessionId, String connectionId, Instant at)
            implements ConnectionEvent {
        public ConnectionOpened {
            require(eventId, userId, connectionId, at);
            Objects.requireNonNull(sessionId, "sessionId");
        }
    }

    /** The connection is still there (apps send one every ~30 s). */
    record ConnectionHeartbeat(String eventId, String userId, String connectionId, Instant at)
            implements ConnectionEvent {
        public ConnectionHeartbeat {
            require(eventId, userId, connectionId, at);
        }
    }

    record ConnectionClosed(String eventId, String userId, String connectionId, Instant at)
            implements ConnectionEvent {
        public ConnectionClosed {
            require(eventId, userId, connectionId, at);
        }
    }

    private static void require(String eventId, String userId, String connectionId, Instant at) {
        for (String[] field : new String[][] {{"eventId", eventId}, {"userId", userId}, {"connectionId", connectionId}}) {
            if (field[1] == null || field[1].isBlank()) {
                throw new IllegalArgumentException(field[0] + " is required");
            }
        }
        Objects.requireNonNull(at, "at");
    }
}
