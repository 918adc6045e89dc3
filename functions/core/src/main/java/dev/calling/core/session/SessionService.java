package dev.calling.core.session;

import java.time.Duration;
import java.util.Objects;

/**
 * The session service's use case: keep user -> session -> connection current from the
 * switch's connection events.
 *
 * @param connectionTtl how long a connection stays live without a heartbeat
 * @param tombstoneRetention how long a closed connection is remembered, to refuse late "opened" reports
 */
public final class SessionService {

    private final SessionStore store;
    private final Duration connectionTtl;
    private final Duration tombstoneRetention;

    public SessionService(SessionStore store, Duration connectionTtl, Duration tombstoneRetention) {
        this.store = Objects.requireNonNull(store);
        this.connectionTtl = connectionTtl;
        this.tombstoneRetention = tombstoneRetention;
    }

    /** @return true when the event changed what the table says */
    public boolean handle(ConnectionEvent event) {
        if (event instanceof ConnectionEvent.ConnectionOpened opened) {
            return store.open(new Connection(opened.userId(), opened.sessionId(), opened.connectionId(),
                    ConnectionState.OPEN, opened.at(), opened.at(), opened.at().plus(connectionTtl)));
        }
        if (event instanceof ConnectionEvent.ConnectionHeartbeat beat) {
            return store.heartbeat(beat.userId(), beat.connectionId(), beat.at(), beat.at().plus(connectionTtl));
        }
        ConnectionEvent.ConnectionClosed closed = (ConnectionEvent.ConnectionClosed) event;
        store.close(closed.userId(), closed.connectionId(), closed.at(), closed.at().plus(tombstoneRetention));
        return true;
    }
}
