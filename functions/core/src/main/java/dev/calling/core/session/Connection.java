package dev.calling.core.session;

import java.time.Instant;
import java.util.Objects;

/**
 * One live transport of one app session (a data connection the switch can ring and bridge).
 *
 * @param lastSeenAt the latest open or heartbeat report
 * @param expiresAt when the connection is considered gone if nothing more is heard (silent
 *     connections die without a "closed"); for a CLOSED tombstone, when it may be forgotten
 */
public record Connection(String userId, String sessionId, String connectionId, ConnectionState state,
        Instant openedAt, Instant lastSeenAt, Instant expiresAt) {

    public Connection {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    public boolean isLiveAt(Instant now) {
        return state == ConnectionState.OPEN && expiresAt.isAfter(now);
    }
}
