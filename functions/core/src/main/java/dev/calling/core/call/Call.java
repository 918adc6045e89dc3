package dev.calling.core.call;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The call record: one per call, owned by the call state manager. Immutable; every change makes
 * a new record with {@code version + 1}, which the store writes only if the stored version is
 * still the one this record was read at.
 *
 * @param ringingConnectionIds the callee connections that were alerted
 * @param calleeConnectionId the callee connection that answered, once CONNECTED
 * @param lastSwitchSequence the highest switch sequence applied so far (switch reports apply in order)
 * @param deferred switch reports that arrived ahead of a missing earlier report, held until it comes
 * @param lastEventId the event whose handling produced this version
 * @param outbox the commands of that handling, re-issued if the same event is delivered again
 * @param version the optimistic-locking version; 0 for a record not yet stored
 */
public record Call(
        String callId,
        String callerUserId,
        String callerConnectionId,
        String calleeUserId,
        CallState state,
        EndReason endReason,
        List<String> ringingConnectionIds,
        String calleeConnectionId,
        Instant requestedAt,
        Instant answeredAt,
        Instant endedAt,
        long lastSwitchSequence,
        List<CallEvent> deferred,
        List<TimelineEntry> timeline,
        String lastEventId,
        List<CallCommand> outbox,
        long version) {

    public Call {
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(state, "state");
        if ((state == CallState.ENDED) != (endReason != null)) {
            throw new IllegalArgumentException("an end reason is set exactly when the call has ENDED");
        }
        ringingConnectionIds = List.copyOf(ringingConnectionIds);
        deferred = List.copyOf(deferred);
        timeline = List.copyOf(timeline);
        outbox = List.copyOf(outbox);
    }

    /** A new call as requested, not yet stored. */
    public static Call requested(CallEvent.CallRequested request) {
        return new Call(request.callId(), request.callerUserId(), request.callerConnectionId(),
                request.calleeUserId(), CallState.REQUESTED, null, List.of(), null, request.at(), null, null,
                0, List.of(), List.of(new TimelineEntry(request.at(), CallState.REQUESTED,
                        request.callerUserId() + " calls " + request.calleeUserId())),
                request.eventId(), List.of(), 0);
    }

    /** This call moved to {@code next}; throws {@link IllegalCallTransition} for a move the machine forbids. */
    Call moveTo(CallState next, Instant at, String detail) {
        if (!state.canMoveTo(next)) {
            throw new IllegalCallTransition(callId, state, next);
        }
        return with(next, endReason, at, detail);
    }

    Call end(EndReason reason, Instant at, String detail) {
        if (!state.canMoveTo(CallState.ENDED)) {
            throw new IllegalCallTransition(callId, state, CallState.ENDED);
        }
        Call ended = new Call(callId, callerUserId, callerConnectionId, calleeUserId, CallState.ENDED, reason,
                ringingConnectionIds, calleeConnectionId, requestedAt, answeredAt, at, lastSwitchSequence,
                deferred, timeline, lastEventId, outbox, version);
        return ended.withTimeline(new TimelineEntry(at, CallState.ENDED, reason + " (" + detail + ")"));
    }

    private Call with(CallState next, EndReason reason, Instant at, String detail) {
        return new Call(callId, callerUserId, callerConnectionId, calleeUserId, next, reason, ringingConnectionIds,
                calleeConnectionId, requestedAt, answeredAt, endedAt, lastSwitchSequence, deferred, timeline,
                lastEventId, outbox, version).withTimeline(new TimelineEntry(at, next, detail));
    }

    Call withTimeline(TimelineEntry entry) {
        List<TimelineEntry> lines = new ArrayList<>(timeline);
        lines.add(entry);
        return new Call(callId, callerUserId, callerConnectionId, calleeUserId, state, endReason,
                ringingConnectionIds, calleeConnectionId, requestedAt, answeredAt, endedAt, lastSwitchSequence,
                deferred, lines, lastEventId, outbox, version);
    }

    Call ringing(List<String> connectionIds) {
        return new Call(callId, callerUserId, callerConnectionId, calleeUserId, state, endReason, connectionIds,
                calleeConnectionId, requestedAt, answeredAt, endedAt, lastSwitchSequence, deferred, timeline,
                lastEventId, outbox, version);
    }

    Call answeredOn(String connectionId, Instant at) {
        return new Call(callId, callerUserId, callerConnectionId, calleeUserId, state, endReason,
                ringingConnectionIds, connectionId, requestedAt, at, endedAt, lastSwitchSequence, deferred,
                timeline, lastEventId, outbox, version);
    }

    Call withSwitchSequence(long sequence) {
        return new Call(callId, callerUserId, callerConnectionId, calleeUserId, state, endReason,
                ringingConnectionIds, calleeConnectionId, requestedAt, answeredAt, endedAt, sequence, deferred,
                timeline, lastEventId, outbox, version);
    }

    Call withDeferred(List<CallEvent> events) {
        List<CallEvent> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(CallEvent::switchSequence));
        return new Call(callId, callerUserId, callerConnectionId, calleeUserId, state, endReason,
                ringingConnectionIds, calleeConnectionId, requestedAt, answeredAt, endedAt, lastSwitchSequence,
                sorted, timeline, lastEventId, outbox, version);
    }

    /** The version to store after handling {@code eventId}, with the commands that handling issued. */
    Call handled(String eventId, List<CallCommand> commands) {
        return new Call(callId, callerUserId, callerConnectionId, calleeUserId, state, endReason,
                ringingConnectionIds, calleeConnectionId, requestedAt, answeredAt, endedAt, lastSwitchSequence,
                deferred, timeline, eventId, commands, version + 1);
    }

    public boolean isTerminal() {
        return state.isTerminal();
    }

    public Optional<EndReason> endReasonIfEnded() {
        return Optional.ofNullable(endReason);
    }

    /** Every connection this call may hold on the switch: the caller's and every alerted callee connection. */
    List<String> allLegs() {
        List<String> legs = new ArrayList<>();
        legs.add(callerConnectionId);
        legs.addAll(ringingConnectionIds);
        if (calleeConnectionId != null && !legs.contains(calleeConnectionId)) {
            legs.add(calleeConnectionId);
        }
        return legs;
    }
}
