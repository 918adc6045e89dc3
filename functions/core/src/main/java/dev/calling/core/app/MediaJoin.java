package dev.calling.core.app;

import java.util.Objects;

/**
 * What one party's app needs to join a call's media: the switch's own join document for the
 * party's connection (for Amazon Chime SDK Meetings, the {@code Meeting} and {@code Attendee}
 * objects its client SDKs take). It holds a credential: it goes to its owner only, never to a log.
 *
 * @param provider the switch that made it ({@code chime-meetings})
 * @param join the switch's join document, JSON text, handed to the app as it is
 */
public record MediaJoin(String callId, String userId, String connectionId, String provider, String join) {

    public MediaJoin {
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(join, "join");
    }

    /** Never the join document: it holds a credential. */
    @Override
    public String toString() {
        return "MediaJoin[callId=" + callId + ", userId=" + userId + ", connectionId=" + connectionId + ", provider="
                + provider + "]";
    }
}
