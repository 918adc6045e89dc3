package dev.calling.core.session;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** user -> sessions -> connections, as the session service knows them. */
public record UserSessions(String userId, List<Session> sessions) {

    public UserSessions {
        sessions = List.copyOf(sessions);
    }

    /** Groups a user's connections by session, in a stable order. */
    public static UserSessions of(String userId, List<Connection> connections) {
        Map<String, List<Connection>> bySession = new LinkedHashMap<>();
        connections.stream()
                .sorted(Comparator.comparing(Connection::sessionId).thenComparing(Connection::connectionId))
                .forEach(c -> bySession.computeIfAbsent(c.sessionId(), k -> new java.util.ArrayList<>()).add(c));
        return new UserSessions(userId,
                bySession.entrySet().stream().map(e -> new Session(e.getKey(), e.getValue())).toList());
    }

    public List<Connection> liveConnections(Instant now) {
        return sessions.stream().flatMap(s -> s.connections().stream()).filter(c -> c.isLiveAt(now)).toList();
    }

    public List<String> liveConnectionIds(Instant now) {
        return liveConnections(now).stream().map(Connection::connectionId).toList();
    }
}
