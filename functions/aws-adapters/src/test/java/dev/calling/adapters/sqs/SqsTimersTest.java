package dev.calling.adapters.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SqsTimersTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");

    @Test
    void delayRoundsUpAndIsCappedAtSqsMaximum() {
        assertThat(SqsTimers.delaySeconds(NOW.plusMillis(44_100), NOW)).isEqualTo(45);
        assertThat(SqsTimers.delaySeconds(NOW.minusSeconds(3), NOW)).isZero();
        assertThat(SqsTimers.delaySeconds(NOW.plusSeconds(3600), NOW)).isEqualTo(900);
    }

    @Test
    void aTimerDueBeyondTheHorizonOfAnyCallIsDroppedNotSentRoundForEver() {
        // No queue at all: a timer that were sent on would fail here.
        SqsTimers timers = new SqsTimers(null, "unused", null, java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC));

        timers.relay(dev.calling.core.call.CallEvent.RingTimeoutElapsed.of("nope", java.time.Instant.parse("9999-01-01T00:00:00Z")));
    }
}
