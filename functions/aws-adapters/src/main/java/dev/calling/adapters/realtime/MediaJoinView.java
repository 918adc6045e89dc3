package dev.calling.adapters.realtime;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.calling.core.app.MediaJoin;

/**
 * A party's media join info as its app receives it, from {@code GET /v1/calls/{id}/media} and, with
 * {@code type = "media"}, pushed to its connection: {@code join} is the switch's own document (for
 * {@code chime-meetings}, {@code {"Meeting": ..., "Attendee": ...}} as the Chime client SDKs take it).
 *
 * @param type {@code media} in a push, absent in an API response
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MediaJoinView(String type, String callId, String connectionId, String provider,
        @JsonRawValue String join) {

    public static MediaJoinView of(MediaJoin join) {
        return new MediaJoinView(null, join.callId(), join.connectionId(), join.provider(), join.join());
    }

    public static MediaJoinView push(MediaJoin join) {
        return new MediaJoinView("media", join.callId(), join.connectionId(), join.provider(), join.join());
    }

    /** Never the join document: it holds a credential. */
    @Override
    public String toString() {
        return "MediaJoinView[" + callId + ", " + connectionId + ", " + provider + "]";
    }
}
