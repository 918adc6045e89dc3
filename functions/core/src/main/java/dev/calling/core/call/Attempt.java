package dev.calling.core.call;

import dev.calling.core.routing.AttemptOutcome;
import java.time.Instant;

/**
 * One try at reaching the callee through one provider: the VoIP switch, or a PSTN carrier (a
 * carrier failure moves the call to a new attempt with the next carrier).
 *
 * @param outcome how it ended, once known (ANSWERED is set at answer)
 * @param sipCode the carrier's final SIP response when it failed, else 0
 */
public record Attempt(int number, String providerId, Instant startedAt, Instant endedAt, AttemptOutcome outcome,
        int sipCode) {

    static Attempt started(int number, String providerId, Instant at) {
        return new Attempt(number, providerId, at, null, null, 0);
    }

    Attempt answered() {
        return new Attempt(number, providerId, startedAt, endedAt, AttemptOutcome.ANSWERED, sipCode);
    }

    /** Closes the attempt; an outcome already known (answered) is kept. */
    Attempt ended(Instant at, AttemptOutcome finalOutcome, int code) {
        if (endedAt != null) {
            return this;
        }
        return new Attempt(number, providerId, startedAt, at, outcome != null ? outcome : finalOutcome,
                code != 0 ? code : sipCode);
    }
}
