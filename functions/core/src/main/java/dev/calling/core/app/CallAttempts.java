package dev.calling.core.app;

import java.time.Duration;
import java.time.Instant;

/**
 * Port: the calls each user placed in the current minute (a fixed window per user, so no item is shared by all
 * users), to refuse a burst of dials before anything is written, rung or reserved.
 */
public interface CallAttempts {

    /** The window attempts are counted in. */
    Duration WINDOW = Duration.ofMinutes(1);

    /** Counts nothing and refuses nothing. */
    CallAttempts UNLIMITED = (userId, at, limit) -> true;

    /**
     * Counts one more call attempt of {@code userId} in the minute of {@code at}, unless {@code limit} are counted
     * there already: then nothing is counted and the answer is false. Atomic under concurrent attempts.
     */
    boolean count(String userId, Instant at, int limit);

    /** When the window of {@code at} ends: how long a refused user waits. */
    static Duration untilNextWindow(Instant at) {
        long millis = WINDOW.toMillis() - Math.floorMod(at.toEpochMilli(), WINDOW.toMillis());
        return Duration.ofMillis(millis);
    }
}
