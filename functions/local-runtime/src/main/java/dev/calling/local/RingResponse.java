package dev.calling.local;

import java.time.Duration;
import java.util.Optional;

/** How a simulated device reacts when the switch rings it. */
public sealed interface RingResponse {

    /** Picks up after {@code after}; hangs up {@code hangUpAfter} after being bridged, if given. */
    record Answer(Duration after, Optional<Duration> hangUpAfter) implements RingResponse {}

    /** The user declines after {@code after}. */
    record Decline(Duration after) implements RingResponse {}

    /** Rings until the call state manager gives up (ring timeout). */
    record Ignore() implements RingResponse {}

    /** The device reports busy at once. */
    record Busy() implements RingResponse {}

    static RingResponse answerAfter(Duration after) {
        return new Answer(after, Optional.empty());
    }

    static RingResponse answerAfter(Duration after, Duration thenHangUpAfter) {
        return new Answer(after, Optional.of(thenHangUpAfter));
    }
}
