package dev.calling.core.session;

import java.util.Optional;

/** Port: the session service's answers. "Which connections has user U?" and "whose is connection C?". */
public interface SessionDirectory {

    /** Every connection recorded for the user (live or not; callers filter by {@link UserSessions#liveConnections}). */
    UserSessions sessionsOf(String userId);

    /** The connection with this id; may lag a just-opened connection by a moment (an index read). */
    Optional<Connection> connection(String connectionId);
}
