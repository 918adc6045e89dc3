package dev.calling.core.call;

import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.push.PushKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the call state manager tells the outside world to do after a transition. Commands are
 * stored on the call record with the transition that produced them (an outbox) and are
 * idempotent, so a redelivered event can safely issue them again.
 */
public sealed interface CallCommand {

    String callId();

    /**
     * Alert the callee on each of its live connections. The caller's connection is named so that a
     * switch can set up the caller's media while the callee rings.
     */
    record RingCallee(String callId, String callerUserId, String callerConnectionId, String calleeUserId,
            List<String> calleeConnectionIds) implements CallCommand {
        public RingCallee {
            calleeConnectionIds = List.copyOf(calleeConnectionIds);
        }
    }

    /** Join the caller's connection and the callee's answering connection. */
    record BridgeConnections(String callId, String callerConnectionId, String calleeConnectionId)
            implements CallCommand {}

    /**
     * Tear a connection's leg of this call down (stop ringing, or hang up). The caller's connection
     * is released only when the call ends, so a switch may free everything it holds for the call then.
     */
    record ReleaseConnection(String callId, String connectionId) implements CallCommand {}

    /**
     * Place attempt {@code attempt} of a PSTN call through carrier {@code providerId}.
     * {@code callerConnectionId} is the caller's app connection, where the answered leg will be bridged
     * (a carrier may need to prepare it, e.g. hand it a credential while the number rings);
     * {@code talkLimit} is the talk time the caller's reservation pays for, or null when the call is not
     * charged: a carrier that can limit a call's length is told, as a second line behind the cut-off timer.
     */
    record DialNumber(String callId, int attempt, String providerId, String callerUserId, String callerConnectionId,
            String number, Duration talkLimit) implements CallCommand {}

    /** Join the caller's app connection (of {@code callerUserId}) with the answered PSTN leg of {@code attempt}. */
    record BridgeToNumber(String callId, int attempt, String providerId, String callerUserId, String callerConnectionId)
            implements CallCommand {}

    /**
     * Ask the carrier whether the answered PSTN leg of {@code attempt} is still up; if the carrier says it
     * ended, report that ({@link CallEvent.CallHungUp} of the callee, unsequenced, at the carrier's end time).
     * The connected call's watchdog asks every check, so a hang-up report lost for good ends the call at
     * the time the carrier ended it, not at its cut-off; a call we ended ourselves (cut off, or failed after
     * the answer) asks once more, so an answer that comes late (the carrier's API was down) still revises
     * what the call was billed ({@link ReviseCharge}). {@code askedAt} (the check's or the end's time) makes
     * each ask its own message: the same ask issued again (a redelivery) is the same message, dropped as a
     * duplicate by the queue, but the next watchdog round's is not.
     */
    record CheckNumber(String callId, int attempt, String providerId, Instant askedAt) implements CallCommand {

        /**
         * A check without its time: every such command is the same message, which a FIFO queue's content-based
         * deduplication drops for five minutes after the first; the call state machine always names the time.
         */
        public CheckNumber(String callId, int attempt, String providerId) {
            this(callId, attempt, providerId, null);
        }

        /**
         * The report of the leg's end at {@code endedAt}: the callee's hang-up of {@code attempt}, unsequenced,
         * with an id of the attempt alone, so asking again reports the same event (dropped as a repeat).
         */
        public CallEvent.CallHungUp legEnded(Instant endedAt) {
            return new CallEvent.CallHungUp(callId + ":" + attempt + ":leg-ended", callId, endedAt, attempt, 0,
                    Party.CALLEE);
        }
    }

    /**
     * Push to the callee's registered devices {@code deviceIds} what {@code kind} says about the call: that it
     * rings (until {@code ringUntil}, after which the push is worthless), that it stopped ringing, that it was
     * missed. Sent at most once per device, call and kind, however often the command is issued.
     */
    record PushCallee(String callId, String callerUserId, String calleeUserId, PushKind kind, List<String> deviceIds,
            Instant ringUntil) implements CallCommand {
        public PushCallee {
            deviceIds = List.copyOf(deviceIds);
        }
    }

    /** Tear the PSTN leg of {@code attempt} down (cancel it if it still rings). */
    record HangUpNumber(String callId, int attempt, String providerId) implements CallCommand {}

    /** Deliver a timer event back to this call at {@code dueAt}. */
    sealed interface Timer extends CallCommand {
        Instant dueAt();

        /** The event to deliver, stamped with its due time. */
        CallEvent event();
    }

    /** Deliver a ring-timeout event for this call at {@code dueAt}. */
    record ScheduleRingTimeout(String callId, Instant dueAt) implements Timer {
        @Override
        public CallEvent event() {
            return CallEvent.RingTimeoutElapsed.of(callId, dueAt);
        }
    }

    /** Deliver a {@link CallEvent.FallbackDue} for this call at {@code dueAt}: its push window ends then. */
    record ScheduleFallback(String callId, Instant dueAt) implements Timer {
        @Override
        public CallEvent event() {
            return CallEvent.FallbackDue.of(callId, dueAt);
        }
    }

    /** Deliver a {@link CallEvent.CallTimeLimitReached} for this call at {@code dueAt}: its money runs out then. */
    record ScheduleCutOff(String callId, Instant dueAt) implements Timer {
        @Override
        public CallEvent event() {
            return CallEvent.CallTimeLimitReached.of(callId, dueAt);
        }
    }

    /** Deliver the connected call's watchdog check ({@link CallEvent.CallCheck}) at {@code dueAt}. */
    record ScheduleCheck(String callId, Instant dueAt) implements Timer {
        @Override
        public CallEvent event() {
            return CallEvent.CallCheck.due(callId, dueAt);
        }
    }

    /**
     * The call ended: settle what it cost the caller ({@code record.retail()}, against the money
     * reserved when it was placed, if {@code prepaid}) and keep its detail record.
     */
    record ChargeCall(String callId, CallDetailRecord record, boolean prepaid) implements CallCommand {}

    /**
     * The carrier says the leg of a call we ended ourselves had ended earlier than we billed: the call costs
     * {@code revised.retail()}; give the caller back what its settlement took above that (if {@code prepaid};
     * once, after the settlement) and keep {@code revised} as the call's detail record.
     */
    record ReviseCharge(String callId, CallDetailRecord revised, boolean prepaid) implements CallCommand {}
}
