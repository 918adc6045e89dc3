package dev.calling.realtime;

import dev.calling.core.session.ConnectionEvent;

/**
 * Where {@link RealtimeConnections} reports what happened to a connection: the
 * {@code connection-events} queue, through {@code SqsConnectionEvents::publish}.
 */
@FunctionalInterface
public interface ConnectionEventPublisher {
    void publish(ConnectionEvent event);
}
