package dev.calling.core.call;

import dev.calling.core.call.CallCommand.BridgeConnections;
import dev.calling.core.call.CallCommand.ChargeCall;
import dev.calling.core.call.CallCommand.ScheduleCutOff;
import dev.calling.core.call.CallEvent.CallTimeLimitReached;
import dev.calling.core.call.CallCommand.BridgeToNumber;
import dev.calling.core.call.CallCommand.DialNumber;
import dev.calling.core.call.CallCommand.HangUpNumber;
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
import dev.calling.core.call.CallEvent.MediaLost;
import dev.calling.core.call.CallEvent.RingTimeoutElapsed;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.Route;
import java.time.Duration;
import java.time.Instant;
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
 *   <li>switch reports apply strictly in switch-sequence order within their attempt: a report ahead
 *       of a gap waits on the record, one at or below the applied sequence is a duplicate, one of an
 *       earlier attempt (a carrier the call has failed over from) is ignored;
 *   <li>the ring timeout flushes any waiting reports first (the gap is then taken as lost), so a call
 *       never stays RINGING on a report that will not come.
 * </ul>
 * A PSTN attempt whose carrier fails (SIP 408/5xx, timeout) moves the call to the next carrier of
 * its route; what the callee does (busy, decline, unavailable) ends the call instead.
 */
public final class CallStateMachine {

    /** The provider id of the VoIP switch when routing named none. */
    public static final String VOIP_SWITCH = "voip-switch";

    private final Duration ringTimeout;

    public CallStateMachine(Duration ringTimeout) {
        if (ringTimeout.isNegative() || ringTimeout.isZero()) {
            throw new IllegalArgumentException("ring timeout must be positive: " + ringTimeout);
        }
        this.ringTimeout = ringTimeout;
    }

    /** Starts a requested call along its route, given the caller's live connections at that moment; not charged. */
    public Outcome start(CallRequested request, List<String> callerLiveConnections, Route route) {
        return start(request, callerLiveConnections, route, null);
    }

    /**
     * Starts a requested call along its route, given the caller's live connections at that moment
     * and, for a PSTN route, its prepaid terms ({@code charging}, null when the call is not charged).
     */
    public Outcome start(CallRequested request, List<String> callerLiveConnections, Route route, Charging charging) {
        Call call = Call.requested(request);
        Instant at = request.at();
        List<CallCommand> commands = new ArrayList<>();
        if (!callerLiveConnections.contains(request.callerConnectionId())) {
            call = call.end(EndReason.FAILED, at, "caller connection " + request.callerConnectionId() + " is not live");
        } else if (route instanceof Route.Refused refused) {
            EndReason reason = switch (refused.reason()) {
                case UNREACHABLE -> EndReason.UNREACHABLE;
                case INSUFFICIENT_FUNDS -> EndReason.INSUFFICIENT_FUNDS;
                default -> EndReason.FAILED;
            };
            call = call.end(reason, at, refused.detail());
            commands.add(new ReleaseConnection(call.callId(), request.callerConnectionId()));
        } else if (route instanceof Route.Voip voip) {
            String provider = voip.providerIds().isEmpty() ? VOIP_SWITCH : voip.providerIds().get(0);
            call = call.routed(RouteKind.VOIP, null, voip.calleeConnectionIds(), List.of(),
                            Attempt.started(1, provider, at))
                    .moveTo(CallState.RINGING, at, "ringing " + voip.calleeConnectionIds().size()
                            + " connection(s) of " + request.calleeUserId());
            commands.add(new RingCallee(call.callId(), call.callerUserId(), call.callerConnectionId(),
                    call.calleeUserId(), voip.calleeConnectionIds()));
            commands.add(new ScheduleRingTimeout(call.callId(), at.plus(ringTimeout)));
        } else {
            Route.Pstn pstn = (Route.Pstn) route;
            List<String> providers = pstn.providers().stream().map(Route.ProviderOption::providerId).toList();
            String number = pstn.number().e164();
            call = call.routed(RouteKind.PSTN, number, List.of(), providers.subList(1, providers.size()),
                            pstn.providers(), charging, Attempt.started(1, providers.get(0), at))
                    .moveTo(CallState.RINGING, at, "dialling " + number + " via " + providers.get(0));
            commands.add(new DialNumber(call.callId(), 1, providers.get(0), call.callerUserId(),
                    call.callerConnectionId(), number, talkLimit(charging)));
            commands.add(new ScheduleRingTimeout(call.callId(), at.plus(ringTimeout)));
        }
        if (call.isTerminal()) {
            commands.add(charge(call));
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
        if (event.attempt() != call.currentAttempt()) {
            return Outcome.ignored(call, "report of attempt " + event.attempt() + "; the call is on attempt "
                    + call.currentAttempt());
        }
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
        Call next = step(call.withSwitchSequence(sequence), event, commands);
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
            int attempt = next.currentAttempt();
            next = next.withDeferred(waiting).withSwitchSequence(head.switchSequence());
            if (!next.isTerminal()) {
                next = step(next, head, commands);
            }
            if (next.currentAttempt() != attempt) {
                return next; // failed over: what waited belonged to the old attempt
            }
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
                    ? call.withTimeline(new TimelineEntry(event.at(), state,
                            call.route() == RouteKind.PSTN ? "callee phone ringing" : "callee device alerting"))
                    : call;
        }
        if (event instanceof CallAnswered answered) {
            return state == CallState.RINGING ? answer(call, answered, commands) : call;
        }
        if (event instanceof CallDeclined) {
            return state == CallState.RINGING
                    ? end(call, EndReason.REJECTED, AttemptOutcome.CALLEE_DECLINED, 0, event, "callee declined", commands)
                    : call;
        }
        if (event instanceof CalleeBusy) {
            return state == CallState.RINGING
                    ? end(call, EndReason.BUSY, AttemptOutcome.CALLEE_BUSY, 0, event, "callee busy", commands)
                    : call;
        }
        if (event instanceof CallHungUp hungUp) {
            String who = hungUp.party() == Party.CALLER ? "caller hung up" : "callee hung up";
            if (state == CallState.CONNECTED) {
                return end(call, EndReason.COMPLETED, AttemptOutcome.ANSWERED, 0, event, who, commands);
            }
            if (state == CallState.RINGING) {
                return hungUp.party() == Party.CALLER
                        ? end(call, EndReason.CANCELLED, AttemptOutcome.ABANDONED, 0, event, who + " while ringing", commands)
                        : end(call, EndReason.REJECTED, AttemptOutcome.CALLEE_DECLINED, 0, event, who + " while ringing",
                                commands);
            }
            return call;
        }
        if (event instanceof CallFailed failed) {
            return fail(call, failed, commands);
        }
        if (event instanceof RingTimeoutElapsed) {
            return state == CallState.RINGING
                    ? end(call, EndReason.MISSED, AttemptOutcome.NO_ANSWER, 0, event, "no answer", commands)
                    : call;
        }
        if (event instanceof MediaLost lost) {
            if (state != CallState.RINGING && state != CallState.CONNECTED) {
                return call;
            }
            String whose = lost.party() == null ? "the call's media" : lost.party() == Party.CALLER
                    ? "the caller's media" : "the callee's media";
            return end(call, EndReason.FAILED, state == CallState.CONNECTED ? AttemptOutcome.ANSWERED
                    : AttemptOutcome.ABANDONED, 0, event, whose + " was lost: " + lost.cause(), commands);
        }
        if (event instanceof CallTimeLimitReached) {
            return state == CallState.CONNECTED && call.charging() != null
                    ? end(call, EndReason.CUT_OFF, AttemptOutcome.ANSWERED, 0, event, "the reserved money bought "
                            + call.charging().maxTalkSeconds() + " s of talk", commands)
                    : call;
        }
        return call;
    }

    private static Call answer(Call call, CallAnswered answered, List<CallCommand> commands) {
        if (call.route() == RouteKind.PSTN) {
            Attempt attempt = call.current();
            commands.add(new BridgeToNumber(call.callId(), attempt.number(), attempt.providerId(),
                    call.callerUserId(), call.callerConnectionId()));
            if (call.charging() != null) {
                commands.add(new ScheduleCutOff(call.callId(),
                        answered.at().plusSeconds(call.charging().maxTalkSeconds())));
            }
            return call.answeredOn(answered.connectionId(), answered.at())
                    .moveTo(CallState.CONNECTED, answered.at(), "answered via " + attempt.providerId());
        }
        if (!call.ringingConnectionIds().contains(answered.connectionId())) {
            return call; // never bridge a connection this call did not ring
        }
        commands.add(new BridgeConnections(call.callId(), call.callerConnectionId(), answered.connectionId()));
        for (String other : call.ringingConnectionIds()) {
            if (!other.equals(answered.connectionId())) {
                commands.add(new ReleaseConnection(call.callId(), other));
            }
        }
        return call.answeredOn(answered.connectionId(), answered.at())
                .moveTo(CallState.CONNECTED, answered.at(), "answered on " + answered.connectionId());
    }

    /** The talk time a charged call's reservation pays for; null for a call that is not charged. */
    private static Duration talkLimit(Charging charging) {
        return charging == null ? null : Duration.ofSeconds(charging.maxTalkSeconds());
    }

    private static Call fail(Call call, CallFailed failed, List<CallCommand> commands) {
        AttemptOutcome outcome = failed.sipCode() == 0 ? AttemptOutcome.CARRIER_FAILURE
                : AttemptOutcome.fromSipCode(failed.sipCode());
        String why = failed.cause() + (failed.sipCode() == 0 ? "" : " (SIP " + failed.sipCode() + ")");
        if (call.state() == CallState.RINGING && call.route() == RouteKind.PSTN && outcome.allowsFailover()
                && !call.failoverProviders().isEmpty()) {
            Attempt failedAttempt = call.current();
            Call next = call.attemptEnded(failed.at(), outcome, failed.sipCode()).nextAttempt(failed.at());
            Attempt attempt = next.current();
            commands.add(new HangUpNumber(call.callId(), failedAttempt.number(), failedAttempt.providerId()));
            commands.add(new DialNumber(call.callId(), attempt.number(), attempt.providerId(), call.callerUserId(),
                    call.callerConnectionId(), call.dialledNumber(), talkLimit(call.charging())));
            return next.withTimeline(new TimelineEntry(failed.at(), CallState.RINGING,
                    failedAttempt.providerId() + " failed: " + why + "; dialling via " + attempt.providerId()));
        }
        EndReason reason = call.state() != CallState.RINGING ? EndReason.FAILED : switch (outcome) {
            case CALLEE_BUSY -> EndReason.BUSY;
            case CALLEE_DECLINED -> EndReason.REJECTED;
            case CALLEE_UNAVAILABLE -> EndReason.UNREACHABLE;
            case NO_ANSWER -> EndReason.MISSED;
            default -> EndReason.FAILED;
        };
        return end(call, reason, outcome, failed.sipCode(), failed, why, commands);
    }

    private static Call end(Call call, EndReason reason, AttemptOutcome outcome, int sipCode, CallEvent event,
            String detail, List<CallCommand> commands) {
        if (call.route() == RouteKind.PSTN) {
            Attempt attempt = call.current();
            commands.add(new ReleaseConnection(call.callId(), call.callerConnectionId()));
            commands.add(new HangUpNumber(call.callId(), attempt.number(), attempt.providerId()));
        } else {
            List<String> legs = call.state() == CallState.CONNECTED
                    ? List.of(call.callerConnectionId(), call.calleeConnectionId())
                    : call.allLegs();
            for (String leg : legs) {
                commands.add(new ReleaseConnection(call.callId(), leg));
            }
        }
        Call ended = call.attemptEnded(event.at(), outcome, sipCode).end(reason, event.at(), detail);
        commands.add(charge(ended));
        return ended;
    }

    /** Settling an ended call's money and keeping its detail record. */
    private static ChargeCall charge(Call ended) {
        return new ChargeCall(ended.callId(), CallDetails.of(ended), ended.charging() != null);
    }

    private static String name(CallEvent event) {
        return event.getClass().getSimpleName();
    }
}
