package dev.calling.core.routing;

import java.time.Instant;
import java.util.List;

/**
 * Port: the carriers with their current health and load, and the feedback that keeps them
 * current. Attempt starts and ends are reported once per applied transition (not on
 * redeliveries), so health statistics are at-most-once: a crash between the call record's write
 * and the report loses one sample, which a rolling window absorbs.
 */
public interface CarrierCatalogue {

    List<CarrierStatus> carriers(Instant now);

    void attemptStarted(String providerId, Instant at);

    void attemptEnded(String providerId, AttemptOutcome outcome, Instant at);
}
