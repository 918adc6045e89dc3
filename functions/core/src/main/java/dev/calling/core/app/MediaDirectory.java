package dev.calling.core.app;

import java.util.Optional;

/** Port: the media join info the switch made for a call, per party. */
public interface MediaDirectory {

    /** For set-ups whose switch hands out no join info (the simulated switch, an external fleet). */
    MediaDirectory NONE = (callId, userId) -> Optional.empty();

    /** The join info of {@code userId}'s connection in the call, while the call's media lasts. */
    Optional<MediaJoin> joinOf(String callId, String userId);
}
