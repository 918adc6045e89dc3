package dev.calling.core.session;

import java.time.Instant;

/**
 * Port: the session service's table. Each write is one conditional write, so duplicates and
 * reordering are harmless without a read first:
 * <ul>
 *   <li>{@link #open} records the connection unless it is already known: an earlier open is kept,
 *       and a CLOSED tombstone is never brought back by a late open;
 *   <li>{@link #heartbeat} extends only an OPEN connection, and only forwards in time;
 *   <li>{@link #close} leaves a CLOSED tombstone whether or not the open was seen yet.
 * </ul>
 */
public interface SessionStore extends SessionDirectory {

    /** @return false when the connection was already known (duplicate, or closed before) */
    boolean open(Connection connection);

    /** @return false when there is no open connection to extend, or the report is older than the last one */
    boolean heartbeat(String userId, String connectionId, Instant seenAt, Instant expiresAt);

    void close(String userId, String connectionId, Instant closedAt, Instant forgetAt);
}
