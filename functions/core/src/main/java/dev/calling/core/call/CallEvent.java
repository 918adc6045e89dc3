package dev.calling.core.call;

import java.time.Instant;
import java.util.Objects;

/**
 * Something that happened to a call: the messages of the {@code call-state-changes} queue (and of
 * the {@code call-timers} queue, for timers).
 *
 * <p>Events reported by the switch carry the switch's per-call {@code switchSequence}, starting
 * at 1 and without gaps; the call state manager uses it to drop duplicates and to put reordered
 * reports back in order. Events from apps and timers are not sequenced ({@code switchSequence == 0})
 * and are applied in arrival order, their effect guarded by the call's state.
 */
public sealed interface CallEvent {

    /** Unique per event; a redelivery keeps the id. */
    String eventId();

    String callId();

    /** When it happened, at its source. */
    Instant at();

    /** The switch's per-call sequence number, or 0 when the event did not come from the switch. */
    default long switchSequence() {
        return 0;
    }

    default boolean fromSwitch() {
        return switchSequence() > 0;
    }

    /** An app asked to call another user from one of its connections. */
    record CallRequested(String eventId, String callId, Instant at, String callerUserId,
            String callerConnectionId, String calleeUserId) implements CallEvent {
        public CallRequested {
            requireIds(eventId, callId, at);
            Objects.requireNonNull(callerUserId, "callerUserId");
            Objects.requireNonNull(callerConnectionId, "callerConnectionId");
            Objects.requireNonNull(calleeUserId, "calleeUserId");
            if (callerUserId.equals(calleeUserId)) {
                throw new IllegalArgumentException("a user cannot call themselves: " + callerUserId);
            }
        }
    }

    /** The switch reports that the callee's device(s) are alerting. */
    record CallRinging(String eventId, String callId, Instant at, long switchSequence) implements CallEvent {
        public CallRinging {
            requireIds(eventId, callId, at);
        }
    }

    /** The callee answered on one of its connections. */
    record CallAnswered(String eventId, String callId, Instant at, long switchSequence, String connectionId)
            implements CallEvent {
        public CallAnswered {
            requireIds(eventId, callId, at);
            Objects.requireNonNull(connectionId, "connectionId");
        }
    }

    /** The callee declined the call (from the app, or reported by the switch). */
    record CallDeclined(String eventId, String callId, Instant at, long switchSequence) implements CallEvent {
        public CallDeclined {
            requireIds(eventId, callId, at);
        }
    }

    /** The switch reports the callee busy. */
    record CalleeBusy(String eventId, String callId, Instant at, long switchSequence) implements CallEvent {
        public CalleeBusy {
            requireIds(eventId, callId, at);
        }
    }

    /** One party hung up (from the app, or reported by the switch). */
    record CallHungUp(String eventId, String callId, Instant at, long switchSequence, Party party)
            implements CallEvent {
        public CallHungUp {
            requireIds(eventId, callId, at);
            Objects.requireNonNull(party, "party");
        }
    }

    /** The switch could not set up or keep a leg. */
    record CallFailed(String eventId, String callId, Instant at, long switchSequence, String cause)
            implements CallEvent {
        public CallFailed {
            requireIds(eventId, callId, at);
            Objects.requireNonNull(cause, "cause");
        }
    }

    /** The ring timer armed when the callee started ringing has fired. */
    record RingTimeoutElapsed(String eventId, String callId, Instant at) implements CallEvent {
        public RingTimeoutElapsed {
            requireIds(eventId, callId, at);
        }

        /** The id is derived from the call so that re-arming the same timer is idempotent. */
        public static RingTimeoutElapsed of(String callId, Instant at) {
            return new RingTimeoutElapsed(callId + ":ring-timeout", callId, at);
        }
    }

    private static void requireIds(String eventId, String callId, Instant at) {
        if (eventId == null || eventId.isBlank()) {
            throw new IllegalArgumentException("eventId is required");
        }
        if (callId == null || callId.isBlank()) {
            throw new IllegalArgumentException("callId is required");
        }
        Objects.requireNonNull(at, "at");
    }
}
