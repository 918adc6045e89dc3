package dev.calling.carrier.webhook;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Tests only: the clock stands at the moment the sample callbacks were signed, so their
 * five-minute freshness window holds whenever the tests run.
 */
@ApplicationScoped
public class SampleTimeClock {

    static final Instant SIGNED_AT = Instant.ofEpochSecond(1795428000L); // 2026-11-23T10:00:00Z

    @Produces
    @Alternative
    @Priority(1)
    @ApplicationScoped
    Clock clock() {
        return Clock.fixed(SIGNED_AT, ZoneOffset.UTC);
    }
}
