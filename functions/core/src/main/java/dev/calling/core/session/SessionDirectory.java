package dev.calling.core.session;

import java.util.Optional;

/** Port: the session service's answers. "Which connections has user U?" and "whose is connection C?". */
public interface SessionDirectory {

    /** Every connection recorded for the user (live or not; callers filter by {@link UserSessions#liveConnections}). */
    UserSessions sessionsOf(String userId);

    Optional<Connection> connection(String connectionId);
}
