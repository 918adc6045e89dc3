package dev.calling.embedded;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A UTC clock a test sets and moves on (caches, retry windows, timers), from any thread; or one that moves on by
 * itself at every reading ({@link #ticking}), for code whose every step must be seen to take time.
 */
public final class MovingClock extends Clock {

    private final Duration perReading;
    private Instant now;

    public MovingClock(Instant now) {
        this(now, Duration.ZERO);
    }

    private MovingClock(Instant now, Duration perReading) {
        this.now = now;
        this.perReading = perReading;
    }

    /** A clock at {@code start} that moves on by {@code perReading} after each time it is read. */
    public static MovingClock ticking(Instant start, Duration perReading) {
        return new MovingClock(start, perReading);
    }

    public synchronized void set(Instant instant) {
        now = instant;
    }

    public synchronized void pass(Duration duration) {
        now = now.plus(duration);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public synchronized Instant instant() {
        Instant read = now;
        now = now.plus(perReading);
        return read;
    }
}
