package dev.calling.core.session;

import java.util.List;

/** One signed-in app instance (a device) of a user, with its connections. */
public record Session(String sessionId, List<Connection> connections) {
    public Session {
        connections = List.copyOf(connections);
    }
}
