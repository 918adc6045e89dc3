package dev.calling.core.call;

import dev.calling.core.call.CallCommand.BridgeConnections;
import dev.calling.core.call.CallCommand.ReleaseConnection;
import dev.calling.core.call.CallCommand.RingCallee;
import dev.calling.core.call.CallCommand.ScheduleRingTimeout;
import dev.calling.core.call.CallEvent.CallAnswered;
import dev.calling.core.call.CallEvent.CallDeclined;
import dev.calling.core.call.CallEvent.CallFailed;
import dev.calling.core.call.CallEvent.CallHungUp;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallEvent.CallRinging;
import dev.calling.core.call.CallEvent.CalleeBusy;
import dev.calling.core.call.CallEvent.RingTimeoutElapsed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The call state machine as pure functions: a call and an event in, the next call and the
 * commands to issue out. No I/O, no clock: every time comes from the events.
 *
 * <p>Rules that make it safe under at-least-once, reordered delivery:
 * <ul>
 *   <li>an event already handled (same id as the record's last) is a duplicate: its commands are re-issued;
 *   <li>nothing moves an ENDED call;
 *   <li>switch reports apply strictly in switch-sequence order: a report ahead of a gap waits on the
 *       record, one at or below the applied sequence is a duplicate;
 *   <li>the ring timeout flushes any waiting reports first (the gap is then taken as lost), so a call
 *       never stays RINGING on a report that will not come.
 * </ul>
 */
public final class CallStateMachine {

    private final Duration ringTimeout;

    public CallStateMachine(Duration ringTimeout) {
        if (ringTimeout.isNegative() || ringTimeout.isZero()) {
            throw new IllegalArgumentException("ring timeout must be positive: " + ringTimeout);
        }
        this.ringTimeout = ringTimeout;
    }

    /** Starts a requested call, given the live connections of both users at that moment. */
    public Outcome start(CallRequested request, List<String> callerLiveConnections,
            List<String> calleeLiveConnections) {
        Call call = Call.requested(request);
        List<CallCommand> commands = new ArrayList<>();
        if (!callerLiveConnections.contains(request.callerConnectionId())) {
            call = call.end(EndReason.FAILED, request.at(),
                    "caller connection " + request.callerConnectionId() + " is not live");
        } else if (calleeLiveConnections.isEmpty()) {
            call = call.end(EndReason.UNREACHABLE, request.at(), request.calleeUserId() + " has no live connection");
            commands.add(new ReleaseConnection(call.callId(), request.callerConnectionId()));
        } else {
            call = call.ringing(calleeLiveConnections)
                    .moveTo(CallState.RINGING, request.at(),
                            "ringing " + calleeLiveConnections.size() + " connection(s) of " + request.calleeUserId());
            commands.add(new RingCallee(call.callId(), call.callerUserId(), call.calleeUserId(), calleeLiveConnections));
            commands.add(new ScheduleRingTimeout(call.callId(), request.at().plus(ringTimeout)));
        }
        return Outcome.applied(call.handled(request.eventId(), commands), "started");
    }

    /** Applies an event to an existing call. */
    public Outcome apply(Call call, CallEvent event) {
        Objects.requireNonNull(call, "call");
        if (!call.callId().equals(event.callId())) {
            throw new IllegalArgumentException("event " + event.eventId() + " is for call " + event.callId()
                    + ", not " + call.callId());
        }
        if (event.eventId().equals(call.lastEventId())) {
            return Outcome.duplicate(call, "already handled " + event.eventId());
        }
        if (event instanceof CallRequested) {
            return Outcome.ignored(call, "call already exists");
        }
        if (call.isTerminal()) {
            return Outcome.ignored(call, "late " + name(event) + " for an ended call");
        }
        if (event.fromSwitch()) {
            return applySwitchReport(call, event);
        }
        List<CallCommand> commands = new ArrayList<>();
        Call next = call;
        if (event instanceof RingTimeoutElapsed && !call.deferred().isEmpty()) {
            next = drain(next, commands, true);
        }
        next = step(next, event, commands);
        return settle(call, next, event, commands);
    }

    private Outcome applySwitchReport(Call call, CallEvent event) {
        long sequence = event.switchSequence();
        boolean alreadyWaiting = call.deferred().stream().anyMatch(e -> e.switchSequence() == sequence);
        if (sequence <= call.lastSwitchSequence() || alreadyWaiting) {
            return Outcome.ignored(call, "duplicate switch report #" + sequence);
        }
        if (sequence > call.lastSwitchSequence() + 1) {
            List<CallEvent> waiting = new ArrayList<>(call.deferred());
            waiting.add(event);
            return Outcome.deferred(call.withDeferred(waiting).handled(event.eventId(), List.of()),
                    "switch report #" + sequence + " waits for #" + (call.lastSwitchSequence() + 1));
        }
        List<CallCommand> commands = new ArrayList<>();
        Call next = step(call, event, commands).withSwitchSequence(sequence);
        next = drain(next, commands, false);
        return settle(call, next, event, commands);
    }

    /** Applies waiting switch reports that are next in sequence (or all of them, in order, when forced). */
    private Call drain(Call call, List<CallCommand> commands, boolean evenAcrossGaps) {
        Call next = call;
        List<CallEvent> waiting = new ArrayList<>(call.deferred());
        while (!waiting.isEmpty()) {
            CallEvent head = waiting.get(0);
            if (!evenAcrossGaps && head.switchSequence() != next.lastSwitchSequence() + 1) {
                break;
            }
            waiting.remove(0);
            next = next.withDeferred(waiting);
            if (!next.isTerminal()) {
                next = step(next, head, commands);
            }
            next = next.withSwitchSequence(head.switchSequence());
        }
        return next.withDeferred(waiting);
    }

    private static Outcome settle(Call before, Call after, CallEvent event, List<CallCommand> commands) {
        if (after.equals(before)) {
            return Outcome.ignored(before, name(event) + " does not apply in " + before.state());
        }
        return Outcome.applied(after.handled(event.eventId(), commands), name(event) + " -> " + after.state());
    }

    /** One event against a non-terminal call; returns the call unchanged when the event does not apply. */
    private static Call step(Call call, CallEvent event, List<CallCommand> commands) {
        CallState state = call.state();
        if (event instanceof CallRinging) {
            return state == CallState.RINGING
                    ? call.withTimeline(new TimelineEntry(event.at(), state, "callee device alerting"))
                    : call;
        }
        if (event instanceof CallAnswered answered) {
            if (state != CallState.RINGING || !call.ringingConnectionIds().contains(answered.connectionId())) {
                return call;
            }
            Call connected = call.answeredOn(answered.connectionId(), answered.at())
                    .moveTo(CallState.CONNECTED, answered.at(), "answered on " + answered.connectionId());
            commands.add(new BridgeConnections(call.callId(), call.callerConnectionId(), answered.connectionId()));
            for (String other : call.ringingConnectionIds()) {
                if (!other.equals(answered.connectionId())) {
                    commands.add(new ReleaseConnection(call.callId(), other));
                }
            }
            return connected;
        }
        if (event instanceof CallDeclined) {
            return state == CallState.RINGING ? end(call, EndReason.REJECTED, event, "callee declined", commands) : call;
        }
        if (event instanceof CalleeBusy) {
            return state == CallState.RINGING ? end(call, EndReason.BUSY, event, "callee busy", commands) : call;
        }
        if (event instanceof CallHungUp hungUp) {
            String who = hungUp.party() == Party.CALLER ? "caller hung up" : "callee hung up";
            if (state == CallState.CONNECTED) {
                return end(call, EndReason.COMPLETED, event, who, commands);
            }
            if (state == CallState.RINGING) {
                return hungUp.party() == Party.CALLER
                        ? end(call, EndReason.CANCELLED, event, who + " while ringing", commands)
                        : end(call, EndReason.REJECTED, event, who + " while ringing", commands);
            }
            return call;
        }
        if (event instanceof CallFailed failed) {
            return end(call, EndReason.FAILED, event, failed.cause(), commands);
        }
        if (event instanceof RingTimeoutElapsed) {
            return state == CallState.RINGING ? end(call, EndReason.MISSED, event, "no answer", commands) : call;
        }
        return call;
    }

    private static Call end(Call call, EndReason reason, CallEvent event, String detail, List<CallCommand> commands) {
        List<String> legs = call.state() == CallState.CONNECTED
                ? List.of(call.callerConnectionId(), call.calleeConnectionId())
                : call.allLegs();
        for (String leg : legs) {
            commands.add(new ReleaseConnection(call.callId(), leg));
        }
        return call.end(reason, event.at(), detail);
    }

    private static String name(CallEvent event) {
        return event.getClass().getSimpleName();
    }
}
