package dev.calling.core.app;

import java.util.Optional;

/** Port: the media join info the switch made for a call, per party. */
public interface MediaDirectory {

    /** The join info of {@code userId}'s connection in the call, while the call's media lasts. */
    Optional<MediaJoin> joinOf(String callId, String userId);
}
