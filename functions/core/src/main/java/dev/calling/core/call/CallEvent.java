package dev.calling.core.call;

import java.time.Instant;
import java.util.Objects;

/**
 * Something that happened to a call: the messages of the {@code call-state-changes} queue (and of
 * the {@code call-timers} queue, for timers).
 *
 * <p>Events reported by a switch or carrier name the {@code attempt} they belong to (1 for the
 * first carrier tried, 2 after a failover ...) and carry that attempt's {@code switchSequence},
 * starting at 1 and without gaps; the call state manager uses it to drop duplicates and to put
 * reordered reports back in order, and ignores reports of an attempt it has moved on from. Events
 * from apps and timers are not sequenced ({@code attempt == 0}, {@code switchSequence == 0}) and
 * are applied in arrival order, their effect guarded by the call's state.
 */
public sealed interface CallEvent {

    /** Unique per event; a redelivery keeps the id. */
    String eventId();

    String callId();

    /** When it happened, at its source. */
    Instant at();

    /** The attempt (carrier leg) a switch report belongs to, or 0 when the event did not come from a switch. */
    default int attempt() {
        return 0;
    }

    /** The switch's sequence number within the attempt, or 0 when the event did not come from a switch. */
    default long switchSequence() {
        return 0;
    }

    default boolean fromSwitch() {
        return switchSequence() > 0;
    }

    /** The same event (same id) as if it had happened {@code at}: how a time that cannot be true is corrected. */
    CallEvent retimed(Instant at);

    /**
     * An app asked, from one of its connections, to call another user ({@code calleeUserId}) or a
     * phone number ({@code dialledNumber}, E.164); exactly one of the two is set.
     */
    record CallRequested(String eventId, String callId, Instant at, String callerUserId,
            String callerConnectionId, String calleeUserId, String dialledNumber) implements CallEvent {
        public CallRequested {
            requireIds(eventId, callId, at);
            Objects.requireNonNull(callerUserId, "callerUserId");
            Objects.requireNonNull(callerConnectionId, "callerConnectionId");
            if ((calleeUserId == null) == (dialledNumber == null)) {
                throw new IllegalArgumentException("a call is to a user or to a number: set exactly one");
            }
            if (callerUserId.equals(calleeUserId)) {
                throw new IllegalArgumentException("a user cannot call themselves: " + callerUserId);
            }
        }

        @Override
        public CallRequested retimed(Instant at) {
            return new CallRequested(eventId, callId, at, callerUserId, callerConnectionId, calleeUserId, dialledNumber);
        }

        /** A call to another app user. */
        public CallRequested(String eventId, String callId, Instant at, String callerUserId,
                String callerConnectionId, String calleeUserId) {
            this(eventId, callId, at, callerUserId, callerConnectionId, calleeUserId, null);
        }

        /** Who or what is called, for people to read. */
        public String callee() {
            return calleeUserId != null ? calleeUserId : dialledNumber;
        }
    }

    /** The switch reports that the callee's device(s) are alerting. */
    record CallRinging(String eventId, String callId, Instant at, int attempt, long switchSequence)
            implements CallEvent {
        public CallRinging {
            requireIds(eventId, callId, at);
            requireStamp(attempt, switchSequence);
        }

        @Override
        public CallRinging retimed(Instant at) {
            return new CallRinging(eventId, callId, at, attempt, switchSequence);
        }
    }

    /** The callee answered on one of its connections. */
    record CallAnswered(String eventId, String callId, Instant at, int attempt, long switchSequence,
            String connectionId) implements CallEvent {
        public CallAnswered {
            requireIds(eventId, callId, at);
            requireStamp(attempt, switchSequence);
            Objects.requireNonNull(connectionId, "connectionId");
        }

        @Override
        public CallAnswered retimed(Instant at) {
            return new CallAnswered(eventId, callId, at, attempt, switchSequence, connectionId);
        }
    }

    /** The callee declined the call (from the app, or reported by the switch). */
    record CallDeclined(String eventId, String callId, Instant at, int attempt, long switchSequence)
            implements CallEvent {
        public CallDeclined {
            requireIds(eventId, callId, at);
            requireStamp(attempt, switchSequence);
        }

        @Override
        public CallDeclined retimed(Instant at) {
            return new CallDeclined(eventId, callId, at, attempt, switchSequence);
        }
    }

    /** The switch reports the callee busy. */
    record CalleeBusy(String eventId, String callId, Instant at, int attempt, long switchSequence)
            implements CallEvent {
        public CalleeBusy {
            requireIds(eventId, callId, at);
            requireStamp(attempt, switchSequence);
        }

        @Override
        public CalleeBusy retimed(Instant at) {
            return new CalleeBusy(eventId, callId, at, attempt, switchSequence);
        }
    }

    /** One party hung up (from the app, or reported by the switch). */
    record CallHungUp(String eventId, String callId, Instant at, int attempt, long switchSequence, Party party)
            implements CallEvent {
        public CallHungUp {
            requireIds(eventId, callId, at);
            requireStamp(attempt, switchSequence);
            Objects.requireNonNull(party, "party");
        }

        @Override
        public CallHungUp retimed(Instant at) {
            return new CallHungUp(eventId, callId, at, attempt, switchSequence, party);
        }
    }

    /**
     * The switch or carrier could not set up or keep a leg. {@code sipCode} is the final SIP
     * response (503, 408, 486 ...) or 0 when there was none (timeout, transport error).
     */
    record CallFailed(String eventId, String callId, Instant at, int attempt, long switchSequence, int sipCode,
            String cause) implements CallEvent {
        public CallFailed {
            requireIds(eventId, callId, at);
            requireStamp(attempt, switchSequence);
            Objects.requireNonNull(cause, "cause");
        }

        @Override
        public CallFailed retimed(Instant at) {
            return new CallFailed(eventId, callId, at, attempt, switchSequence, sipCode, cause);
        }
    }

    /**
     * The switch lost the media of a party ({@code party}: its connection dropped and did not come
     * back) or of the whole call ({@code party == null}: the media session ended on its own, or could
     * not be set up at all). Not sequenced: the switch's media events are applied in arrival order,
     * guarded by the call's state. The call ends FAILED (after talk, the talk up to here is billed).
     */
    record MediaLost(String eventId, String callId, Instant at, Party party, String cause) implements CallEvent {
        public MediaLost {
            requireIds(eventId, callId, at);
            Objects.requireNonNull(cause, "cause");
        }

        @Override
        public MediaLost retimed(Instant at) {
            return new MediaLost(eventId, callId, at, party, cause);
        }
    }

    /** The ring timer armed when the callee started ringing has fired. */
    record RingTimeoutElapsed(String eventId, String callId, Instant at) implements CallEvent {
        public RingTimeoutElapsed {
            requireIds(eventId, callId, at);
        }

        @Override
        public RingTimeoutElapsed retimed(Instant at) {
            return new RingTimeoutElapsed(eventId, callId, at);
        }

        /** The id is derived from the call so that re-arming the same timer is idempotent. */
        public static RingTimeoutElapsed of(String callId, Instant at) {
            return new RingTimeoutElapsed(callId + ":ring-timeout", callId, at);
        }
    }

    /**
     * The push window of a call that rings the callee's app by push alone has passed (a timer armed when it
     * started ringing): if the app has not answered, the call goes to the callee's phone number.
     */
    record FallbackDue(String eventId, String callId, Instant at) implements CallEvent {
        public FallbackDue {
            requireIds(eventId, callId, at);
        }

        @Override
        public FallbackDue retimed(Instant at) {
            return new FallbackDue(eventId, callId, at);
        }

        /** The id is derived from the call so that re-arming the same timer is idempotent. */
        public static FallbackDue of(String callId, Instant at) {
            return new FallbackDue(callId + ":fallback", callId, at);
        }
    }

    /**
     * The talk time a charged call's reserved money buys has run out (a timer armed when it was
     * answered). The call is cut off if it is still connected.
     */
    record CallTimeLimitReached(String eventId, String callId, Instant at) implements CallEvent {
        public CallTimeLimitReached {
            requireIds(eventId, callId, at);
        }

        @Override
        public CallTimeLimitReached retimed(Instant at) {
            return new CallTimeLimitReached(eventId, callId, at);
        }

        /** The id is derived from the call so that re-arming the same timer is idempotent. */
        public static CallTimeLimitReached of(String callId, Instant at) {
            return new CallTimeLimitReached(callId + ":time-limit", callId, at);
        }
    }

    /**
     * Look at the call now ({@code at}, the function's clock): a connected call's watchdog timer, or the
     * sweeper finding the call past its deadline. A check ends what cannot go on (a ringing call past its
     * ring timeout, a connected call past the longest call, a party whose app has no live connection
     * left, reports that waited too long behind a gap), and repeats an ended call's end commands until
     * they have all been carried out. Only the timer re-arms itself.
     */
    record CallCheck(String eventId, String callId, Instant at, boolean timer) implements CallEvent {
        public CallCheck {
            requireIds(eventId, callId, at);
        }

        @Override
        public CallCheck retimed(Instant at) {
            return new CallCheck(eventId, callId, at, timer);
        }

        /** The watchdog timer due {@code at}; the id is derived from the call and the time, so re-arming is idempotent. */
        public static CallCheck due(String callId, Instant at) {
            return new CallCheck(callId + ":check:" + at.toEpochMilli(), callId, at, true);
        }

        /** The sweeper's check at {@code at}. */
        public static CallCheck sweep(String callId, Instant at) {
            return new CallCheck(callId + ":sweep:" + at.toEpochMilli(), callId, at, false);
        }
    }

    private static void requireStamp(int attempt, long switchSequence) {
        if (attempt < 0 || switchSequence < 0 || (switchSequence > 0 && attempt == 0)) {
            throw new IllegalArgumentException("a switch report needs attempt >= 1 with its sequence: attempt "
                    + attempt + ", sequence " + switchSequence);
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
