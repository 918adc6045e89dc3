package dev.calling.local;

import java.time.Duration;
import java.util.Optional;

/** What a simulated caller does after placing a call. */
public record CallerScript(Optional<Duration> cancelAfter, Optional<Duration> hangUpAfterConnected) {

    /** Stays on until the other side or the system ends the call. */
    public static CallerScript waitForOtherSide() {
        return new CallerScript(Optional.empty(), Optional.empty());
    }

    /** Hangs up while it still rings, {@code after} after placing the call. */
    public static CallerScript cancelAfter(Duration after) {
        return new CallerScript(Optional.of(after), Optional.empty());
    }

    /** Talks for {@code talk}, then hangs up. */
    public static CallerScript hangUpAfterTalking(Duration talk) {
        return new CallerScript(Optional.empty(), Optional.of(talk));
    }
}
