package dev.calling.core.abuse;

import java.time.Instant;
import java.util.Objects;

/**
 * Port: tells the operator that a user hit an abuse limit (a burst of dials, too many PSTN calls at once, the
 * day's spend cap, a high-risk destination): a metric to alarm on and an event naming the user and the call.
 * Best effort and repeatable, as {@code PartyNotifier}: raised after the refusal is stored, again if the event is
 * redelivered (an alert's {@code callId} tells repeats apart); it must not throw, so an alert that cannot be
 * sent never holds a call.
 */
public interface LimitAlerts {

    /** Which limit was hit. */
    enum Limit { CALL_ATTEMPTS, CONCURRENT_CALLS, DAILY_SPEND, HIGH_RISK_DESTINATION }

    /**
     * @param callId the refused call (for {@code CALL_ATTEMPTS}, the call id the request would have had)
     * @param detail what the refusal says, for the operator
     */
    record Alert(Limit limit, String userId, String callId, String detail, Instant at) {
        public Alert {
            Objects.requireNonNull(limit, "limit");
            Objects.requireNonNull(userId, "userId");
            Objects.requireNonNull(callId, "callId");
            Objects.requireNonNull(at, "at");
        }
    }

    /** For tests and set-ups without alerting. */
    LimitAlerts NONE = alert -> {};

    void raise(Alert alert);
}
