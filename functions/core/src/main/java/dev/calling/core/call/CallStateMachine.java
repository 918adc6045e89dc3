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
import dev.calling.core.call.CallCommand.ScheduleCheck;
import dev.calling.core.call.CallEvent.CallAnswered;
import dev.calling.core.call.CallEvent.CallCheck;
import dev.calling.core.call.CallEvent.CallDeclined;
import dev.calling.core.call.CallEvent.CallFailed;
import dev.calling.core.call.CallEvent.CallHungUp;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallEvent.CallRinging;
import dev.calling.core.call.CallEvent.CalleeBusy;
import dev.calling.core.call.CallEvent.MediaLost;
import dev.calling.core.call.CallEvent.RingTimeoutElapsed;
import dev.calling.core.push.PushKind;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.Route;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The call state machine as pure functions: a call and an event in, the next call and the
 * commands to issue out. No I/O, no clock: every time comes from the events.
 *
 * <p>Rules that make it safe under at-least-once, reordered delivery:
 * <ul>
 *   <li>an event already handled (same id as the record's last) is a duplicate: its commands are re-issued;
 *   <li>nothing moves an ENDED call, but one correction: a PSTN call we ended ourselves (cut off, or failed
 *       after the answer) whose carrier then says its leg had ended earlier is billed to that end instead
 *       ({@link CallCommand.ReviseCharge});
 *   <li>switch reports apply strictly in switch-sequence order within their attempt: a report ahead
 *       of a gap waits on the record, one at or below the applied sequence is a duplicate, one of an
 *       earlier attempt (a carrier the call has failed over from) is ignored;
 *   <li>a gap never holds a call for ever: the ring timeout flushes waiting reports first (the gap is
 *       then taken as lost), the connected call's watchdog flushes reports that waited longer than
 *       {@link Timing#reportWait()}, and more than {@link Call#WAITING_REPORTS} waiting reports flush at once;
 *   <li>no event is taken to have happened before the call's latest timeline line (a report stamped in the
 *       past is moved up to it), so an ended call never ends before it was answered;
 *   <li>every connected call has a cut-off (the talk its reservation buys, or the longest call for a
 *       call nobody pays for) and a watchdog that ends it when a party's app has no live connection left;
 *   <li>an event handled before, even several handlings ago (a dead letter redriven late), issues the
 *       commands of its handling again; a check of an ended call issues its end commands again.
 * </ul>
 * A PSTN attempt whose carrier fails (SIP 408/5xx, timeout) moves the call to the next carrier of
 * its route; what the callee does (busy, decline, unavailable) ends the call instead.
 *
 * <p>A VoIP call also wakes the devices the callee registered for push ({@link CallCommand.PushCallee}):
 * a ring push until the ring timeout, then a cancel push when it stops ringing (answered on any
 * connection, which a call that pushed accepts: the woken app answers on the connection it opens), and a
 * missed-call notice when it was missed. Pushes are issued again with the rest of a handling's commands;
 * the push sender sends each at most once per device, call and kind.
 */
public final class CallStateMachine {

    /** The provider id of the VoIP switch when routing named none. */
    public static final String VOIP_SWITCH = "voip-switch";

    /** The refusals that screen a call out at its callee's wish, and how. */
    private static final Map<Route.Refusal, Call.Screening> SCREENINGS = Map.of(
            Route.Refusal.BLOCKED_BY_CALLEE, Call.Screening.BLOCKED,
            Route.Refusal.UNKNOWN_CALLER_SILENCED, Call.Screening.SILENCED);

    /**
     * How much earlier than billed a carrier must say a leg ended for the bill to be revised: less is clock
     * noise (the tolerance the call state manager gives times from outside, {@link CallStateManager#CLOCK_SKEW}).
     */
    static final Duration REVISION_MARGIN = CallStateManager.CLOCK_SKEW;

    /**
     * The machine's times.
     *
     * @param ringTimeout how long a call rings before it is missed
     * @param longestCall the longest a call may be connected, charged or not (a charged call is cut off
     *     sooner when its reservation buys less)
     * @param checkInterval how often a connected call's watchdog looks at it
     * @param reportWait how long a switch report may wait behind a gap in a connected call before the gap is
     *     taken as lost
     * @param pushWindow how long a callee woken by push alone has to answer in the app before the call goes to
     *     their phone number (where routing allows a fallback); the phone then rings for the rest of the ring
     *     timeout, so a push window as long as the ring timeout means no fallback
     */
    public record Timing(Duration ringTimeout, Duration longestCall, Duration checkInterval, Duration reportWait,
            Duration pushWindow) {

        public static final Duration LONGEST_CALL = Duration.ofHours(4);
        public static final Duration CHECK_INTERVAL = Duration.ofSeconds(60);
        public static final Duration REPORT_WAIT = Duration.ofSeconds(20);
        /** A woken iPhone app reports to CallKit and connects in a few seconds; most answers come within 15 s. */
        public static final Duration PUSH_WINDOW = Duration.ofSeconds(15);

        public Timing {
            for (Duration d : List.of(ringTimeout, longestCall, checkInterval, reportWait, pushWindow)) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("call timings must be positive: " + d);
                }
            }
        }

        /** With the default push window. */
        public Timing(Duration ringTimeout, Duration longestCall, Duration checkInterval, Duration reportWait) {
            this(ringTimeout, longestCall, checkInterval, reportWait, PUSH_WINDOW);
        }

        /** The same times with another push window. */
        public Timing withPushWindow(Duration window) {
            return new Timing(ringTimeout, longestCall, checkInterval, reportWait, window);
        }

        /** The ring timeout given, the rest as deployed by default. */
        public static Timing withRingTimeout(Duration ringTimeout) {
            return new Timing(ringTimeout, LONGEST_CALL, CHECK_INTERVAL, REPORT_WAIT);
        }
    }

    private final Timing timing;
    private final Duration ringTimeout;

    public CallStateMachine(Duration ringTimeout) {
        this(Timing.withRingTimeout(ringTimeout));
    }

    public CallStateMachine(Timing timing) {
        this.timing = Objects.requireNonNull(timing);
        this.ringTimeout = timing.ringTimeout();
    }

    public Timing timing() {
        return timing;
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
        } else if (route instanceof Route.Refused refused && SCREENINGS.containsKey(refused.reason())) {
            // The callee screened the caller out: to the caller the call rings unanswered, as any call the callee
            // does not pick up, and ends MISSED at the ring timeout (neither a block nor silencing is revealed);
            // nothing rings, is pushed or dialled. A blocker never sees the call; to a silencer it is a missed call.
            call = call.routed(RouteKind.VOIP, null, List.of(), List.of(), Attempt.started(1, VOIP_SWITCH, at))
                    .screened(SCREENINGS.get(refused.reason()))
                    .moveTo(CallState.RINGING, at, "not rung: " + refused.detail());
            commands.add(new ScheduleRingTimeout(call.callId(), at.plus(ringTimeout)));
            // The switch sets up the caller's side as for any call (with the Chime switch, the caller's media join
            // arrives as usual), ringing none of the callee's connections: the caller cannot tell.
            commands.add(new RingCallee(call.callId(), call.callerUserId(), call.callerConnectionId(),
                    call.calleeUserId(), List.of()));
        } else if (route instanceof Route.Refused refused) {
            EndReason reason = switch (refused.reason()) {
                case UNREACHABLE -> EndReason.UNREACHABLE;
                case INSUFFICIENT_FUNDS -> EndReason.INSUFFICIENT_FUNDS;
                case HIGH_RISK_DESTINATION -> EndReason.HIGH_RISK_DESTINATION;
                case CONCURRENT_CALL_LIMIT -> EndReason.TOO_MANY_CALLS;
                case DAILY_SPEND_LIMIT -> EndReason.SPEND_LIMIT_REACHED;
                default -> EndReason.FAILED;
            };
            call = call.end(reason, at, refused.detail());
            commands.add(new ReleaseConnection(call.callId(), request.callerConnectionId()));
        } else if (route instanceof Route.Voip voip) {
            String provider = voip.providerIds().isEmpty() ? VOIP_SWITCH : voip.providerIds().get(0);
            call = call.routed(RouteKind.VOIP, null, voip.calleeConnectionIds(), List.of(),
                            Attempt.started(1, provider, at))
                    .pushedTo(voip.pushDeviceIds())
                    .moveTo(CallState.RINGING, at, "ringing " + voip.calleeConnectionIds().size()
                            + " connection(s)" + (voip.pushDeviceIds().isEmpty() ? ""
                            : " and pushing to " + voip.pushDeviceIds().size() + " device(s)")
                            + " of " + request.calleeUserId());
            commands.add(new ScheduleRingTimeout(call.callId(), at.plus(ringTimeout)));
            // The switch sets up the caller's side even when no connection of the callee is live yet (a device
            // woken by push connects, then answers on its new connection).
            commands.add(new RingCallee(call.callId(), call.callerUserId(), call.callerConnectionId(),
                    call.calleeUserId(), voip.calleeConnectionIds()));
            if (!voip.pushDeviceIds().isEmpty()) {
                commands.add(push(call, PushKind.RING, at.plus(ringTimeout)));
            }
            if (voip.pstnFallback() && timing.pushWindow().compareTo(ringTimeout) < 0) {
                commands.add(0, new CallCommand.ScheduleFallback(call.callId(), at.plus(timing.pushWindow())));
            }
        } else {
            Route.Pstn pstn = (Route.Pstn) route;
            List<String> providers = pstn.providers().stream().map(Route.ProviderOption::providerId).toList();
            String number = pstn.number().e164();
            call = call.routed(RouteKind.PSTN, number, List.of(), providers.subList(1, providers.size()),
                            pstn.providers(), charging, Attempt.started(1, providers.get(0), at))
                    .moveTo(CallState.RINGING, at, "dialling " + number + " via " + providers.get(0));
            commands.add(new ScheduleRingTimeout(call.callId(), at.plus(ringTimeout)));
            commands.add(new DialNumber(call.callId(), 1, providers.get(0), call.callerUserId(),
                    call.callerConnectionId(), number, talkLimit(charging)));
        }
        if (call.isTerminal()) {
            commands.add(charge(call));
        }
        return Outcome.applied(withDeadline(call).handled(request.eventId(), commands), "started");
    }

    /**
     * Whether {@code due} is to move the call to the callee's phone number: the call still rings the callee's
     * app by push alone, unanswered, and has not handled it yet. The caller then routes the number and
     * authorises it ({@link #fallBack}); otherwise the event is simply applied.
     */
    public boolean fallsBack(Call call, CallEvent.FallbackDue due) {
        return call.callId().equals(due.callId()) && call.commandsOf(due.eventId()).isEmpty()
                && call.state() == CallState.RINGING && call.route() == RouteKind.VOIP
                && !call.pushedDeviceIds().isEmpty() && call.ringingConnectionIds().isEmpty();
    }

    /**
     * The push window passed unanswered: the call goes to the callee's phone number along {@code route} (routed
     * and, with its prepaid terms {@code charging}, authorised at this moment), as a new attempt on the first
     * carrier; the devices stop ringing. The ring timeout stays the call's: the phone rings for the rest of it.
     * A refused route (no carrier, no credit) leaves the call ringing on push until then.
     */
    public Outcome fallBack(Call call, CallEvent.FallbackDue due, Route route, Charging charging) {
        if (!fallsBack(call, due)) {
            return apply(call, due);
        }
        Instant at = due.at().isBefore(call.latestTime()) ? call.latestTime() : due.at();
        List<CallCommand> commands = new ArrayList<>();
        if (!(route instanceof Route.Pstn pstn)) {
            String why = route instanceof Route.Refused refused ? refused.detail() : "not a phone route";
            Call stays = call.withTimeline(new TimelineEntry(at, CallState.RINGING,
                    "no answer in the app; no fallback to the phone: " + why));
            return Outcome.applied(withDeadline(stays).handled(due.eventId(), commands), "no fallback: " + why);
        }
        List<String> providers = pstn.providers().stream().map(Route.ProviderOption::providerId).toList();
        String number = pstn.number().e164();
        Call next = call.attemptEnded(at, AttemptOutcome.NO_ANSWER, 0)
                .fellBackTo(number, pstn.providers(), charging, at)
                .withTimeline(new TimelineEntry(at, CallState.RINGING, "no answer in the app within " + timing.pushWindow().toSeconds()
                        + " s; dialling " + number + " via " + providers.get(0)));
        commands.add(push(next, PushKind.CANCEL, null)); // the app stops ringing: the phone rings instead
        commands.add(new DialNumber(call.callId(), next.currentAttempt(), providers.get(0), call.callerUserId(),
                call.callerConnectionId(), number, talkLimit(charging)));
        return Outcome.applied(withDeadline(next).handled(due.eventId(), commands), "fell back to " + number);
    }

    /** Applies an event to an existing call. */
    public Outcome apply(Call call, CallEvent event) {
        Objects.requireNonNull(call, "call");
        if (!call.callId().equals(event.callId())) {
            throw new IllegalArgumentException("event " + event.eventId() + " is for call " + event.callId()
                    + ", not " + call.callId());
        }
        var handledBefore = call.commandsOf(event.eventId());
        if (handledBefore.isPresent()) {
            if (call.isTerminal()) {
                List<CallCommand> again = new ArrayList<>(endCommands(call));
                handledBefore.get().stream().filter(CallCommand.ReviseCharge.class::isInstance).forEach(again::add);
                return Outcome.duplicate(call, again, "already handled " + event.eventId()
                        + "; the call has ended: its end commands once more");
            }
            List<CallCommand> again = event.eventId().equals(call.lastEventId()) ? handledBefore.get()
                    : handledBefore.get().stream().filter(c -> stillDue(call, c)).toList();
            return Outcome.duplicate(call, again, "already handled " + event.eventId());
        }
        if (event instanceof CallRequested) {
            return Outcome.ignored(call, "call already exists");
        }
        if (event instanceof CallCheck check) {
            return check(call, check, Set.of());
        }
        if (call.isTerminal()) {
            if (event instanceof CallHungUp legEnded && revisable(call, legEnded)) {
                return revise(call, legEnded);
            }
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

    /**
     * Whether the carrier's answer to a check ({@link CallCommand.CheckNumber#legEnded}) corrects the end of
     * an ended call: a PSTN call that was answered and that we ended ourselves (cut off at the money's end,
     * or failed after the answer: no report of the leg's end had come), whose current leg the carrier says
     * ended more than {@link #REVISION_MARGIN} before we billed it to. The hang-up report was lost and the
     * watchdog's checks did not get through in time (the carrier's API was down).
     */
    private static boolean revisable(Call call, CallHungUp legEnded) {
        boolean endedByUs = call.endReason() == EndReason.CUT_OFF || call.endReason() == EndReason.FAILED;
        return endedByUs && call.route() == RouteKind.PSTN && call.answeredAt() != null && !legEnded.fromSwitch()
                && legEnded.party() == Party.CALLEE && legEnded.attempt() == call.currentAttempt()
                && legEnded.at().plus(REVISION_MARGIN).isBefore(call.endedAt());
    }

    /** The call ended when the carrier says (not before its answer): COMPLETED then, billed to then. */
    private Outcome revise(Call call, CallHungUp legEnded) {
        Instant at = legEnded.at().isBefore(call.answeredAt()) ? call.answeredAt() : legEnded.at();
        long billedBefore = CallDetails.of(call).talkSeconds();
        Call revised = call.revisedEnd(EndReason.COMPLETED, at, "the carrier says the callee hung up then; the call"
                + " was billed to " + call.endedAt() + " (" + call.endReason() + "), " + billedBefore + " s of talk");
        ChargeCall charge = charge(revised);
        // Charge first: whichever of the two settles the call (this one if the first end's charge has not got
        // through yet, at the revised price), the refund then gives back only what was taken above that price.
        List<CallCommand> commands = List.of(charge, new CallCommand.ReviseCharge(call.callId(), charge.record(),
                charge.prepaid()));
        return Outcome.applied(withDeadline(revised).handled(legEnded.eventId(), commands),
                "leg ended earlier -> billed talk revised from " + billedBefore + " s to "
                        + charge.record().talkSeconds() + " s");
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
            if (waiting.size() <= Call.WAITING_REPORTS) {
                return Outcome.deferred(call.withDeferred(waiting).handled(event.eventId(), List.of()),
                        "switch report #" + sequence + " waits for #" + (call.lastSwitchSequence() + 1));
            }
            List<CallCommand> commands = new ArrayList<>();
            Call next = drain(call.withDeferred(waiting), commands, true); // so many cannot all be late: the gap is lost
            return settle(call, next, event, commands);
        }
        List<CallCommand> commands = new ArrayList<>();
        Call next = step(call.withSwitchSequence(sequence), event, commands);
        next = drain(next, commands, false);
        return settle(call, next, event, commands);
    }

    /**
     * Checks the call at {@code check.at()} (the function's clock), knowing which parties' apps have no
     * live connection left ({@code gone}: the caller, and for a VoIP call the callee).
     */
    public Outcome check(Call call, CallCheck check, Set<Party> gone) {
        if (call.isTerminal()) {
            return Outcome.checked(call, endCommands(call), "ended; its end commands once more");
        }
        Instant at = check.at();
        List<CallCommand> commands = new ArrayList<>();
        Call next = call;
        if (call.state() == CallState.RINGING) {
            Instant ringDeadline = call.requestedAt().plus(ringTimeout);
            if (at.isBefore(ringDeadline)) {
                return Outcome.ignored(call, "still ringing, within its ring timeout");
            }
            next = step(drain(next, commands, true), RingTimeoutElapsed.of(call.callId(), ringDeadline), commands);
            return settle(call, next, check, commands);
        }
        if (!next.deferred().isEmpty() && !next.deferred().get(0).at().plus(timing.reportWait()).isAfter(at)) {
            next = drain(next, commands, true); // waited long enough behind a gap: the missing report is lost
        }
        if (next.state() == CallState.CONNECTED && !gone.isEmpty()) {
            CallCheck now = at.isBefore(next.latestTime()) ? check.retimed(next.latestTime()) : check;
            String who = gone.contains(Party.CALLER) ? "the caller's" : "the callee's";
            next = end(next, EndReason.FAILED, AttemptOutcome.ANSWERED, 0, now,
                    who + " app has no live connection left", commands);
        }
        Instant cutOff = next.state() == CallState.CONNECTED ? cutOffAt(next) : null;
        if (cutOff != null && !at.isBefore(cutOff)) {
            next = step(next, CallEvent.CallTimeLimitReached.of(call.callId(), cutOff), commands);
        }
        if (next.state() == CallState.CONNECTED && check.timer()) {
            commands.add(new ScheduleCheck(call.callId(), at.plus(timing.checkInterval())));
            if (next.route() == RouteKind.PSTN) {
                Attempt attempt = next.current();
                commands.add(new CallCommand.CheckNumber(call.callId(), attempt.number(), attempt.providerId(), at));
            }
        }
        if (next.equals(call)) {
            return Outcome.checked(call, commands, "connected and well");
        }
        return settle(call, next, check, commands);
    }

    /**
     * Whether a command of an earlier handling (not the latest) still makes sense for the live call as it is
     * now: a late redelivery must not ring devices of a call that was answered since, nor dial a carrier the
     * call has failed over from, nor release a leg the call now talks on.
     */
    private static boolean stillDue(Call call, CallCommand command) {
        boolean ringing = call.state() == CallState.RINGING;
        boolean connected = call.state() == CallState.CONNECTED;
        if (command instanceof CallCommand.Timer) {
            return true;
        }
        if (command instanceof RingCallee) {
            return ringing && call.route() == RouteKind.VOIP;
        }
        if (command instanceof DialNumber dial) {
            return ringing && dial.attempt() == call.currentAttempt();
        }
        if (command instanceof BridgeConnections) {
            return connected;
        }
        if (command instanceof BridgeToNumber bridge) {
            return connected && bridge.attempt() == call.currentAttempt();
        }
        if (command instanceof ReleaseConnection release) {
            return !release.connectionId().equals(call.callerConnectionId())
                    && !release.connectionId().equals(call.calleeConnectionId());
        }
        if (command instanceof HangUpNumber hangUp) {
            return hangUp.attempt() != call.currentAttempt();
        }
        if (command instanceof CallCommand.CheckNumber check) {
            return connected && check.attempt() == call.currentAttempt();
        }
        if (command instanceof CallCommand.PushCallee push) {
            return push.kind() != PushKind.RING || ringing && call.route() == RouteKind.VOIP;
        }
        return false;
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

    private Outcome settle(Call before, Call after, CallEvent event, List<CallCommand> commands) {
        if (after.equals(before)) {
            return Outcome.ignored(before, name(event) + " does not apply in " + before.state());
        }
        return Outcome.applied(withDeadline(after).handled(event.eventId(), commands),
                name(event) + " -> " + after.state());
    }

    /** The call with the time by which it must be looked at if nothing moves it (see {@link Call#checkBy()}). */
    private Call withDeadline(Call call) {
        return call.withCheckBy(switch (call.state()) {
            case REQUESTED, RINGING -> call.requestedAt().plus(ringTimeout);
            case CONNECTED -> cutOffAt(call);
            case ENDED -> call.endedAt();
        });
    }

    /** When a connected call is cut off: when its reserved money runs out, or at the longest call. */
    private Instant cutOffAt(Call call) {
        long seconds = timing.longestCall().toSeconds();
        if (call.charging() != null) {
            seconds = Math.min(seconds, call.charging().maxTalkSeconds());
        }
        return call.answeredAt().plusSeconds(seconds);
    }

    /** One event against a non-terminal call; returns the call unchanged when the event does not apply. */
    private Call step(Call call, CallEvent reported, List<CallCommand> commands) {
        CallEvent event = reported.at().isBefore(call.latestTime()) ? reported.retimed(call.latestTime()) : reported;
        CallState state = call.state();
        if (call.screening() != Call.Screening.NONE && fromCallee(event)) {
            return call; // nothing rang the callee: there is nothing for them to answer, decline or hang up
        }
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
            if (state != CallState.CONNECTED || event.at().isBefore(cutOffAt(call))) {
                return call;
            }
            String why = call.charging() != null && call.charging().maxTalkSeconds() < timing.longestCall().toSeconds()
                    ? "the reserved money bought " + call.charging().maxTalkSeconds() + " s of talk"
                    : "the longest call is " + timing.longestCall().toMinutes() + " min";
            return end(call, EndReason.CUT_OFF, AttemptOutcome.ANSWERED, 0, event, why, commands);
        }
        return call;
    }

    private static boolean fromCallee(CallEvent event) {
        return event instanceof CallAnswered || event instanceof CallDeclined || event instanceof CalleeBusy
                || event instanceof CallRinging
                || (event instanceof CallHungUp hungUp && hungUp.party() == Party.CALLEE);
    }

    private Call answer(Call call, CallAnswered answered, List<CallCommand> commands) {
        if (call.route() == RouteKind.PSTN && !answered.fromSwitch()) {
            return call; // an app's answer, after the call went to the callee's phone number: only the carrier's counts
        }
        if (call.route() != RouteKind.PSTN && !call.ringingConnectionIds().contains(answered.connectionId())
                && call.pushedDeviceIds().isEmpty()) {
            return call; // never bridge a connection this call did not ring (a woken device answers on a new one)
        }
        Call connected = call.answeredOn(answered.connectionId(), answered.at());
        // Timers first: they must be armed even if a switch or carrier command fails after them.
        commands.add(new ScheduleCutOff(call.callId(), cutOffAt(connected)));
        commands.add(new ScheduleCheck(call.callId(), answered.at().plus(timing.checkInterval())));
        if (call.route() == RouteKind.PSTN) {
            Attempt attempt = call.current();
            commands.add(new BridgeToNumber(call.callId(), attempt.number(), attempt.providerId(),
                    call.callerUserId(), call.callerConnectionId()));
            return connected.moveTo(CallState.CONNECTED, answered.at(), "answered via " + attempt.providerId());
        }
        commands.add(new BridgeConnections(call.callId(), call.callerConnectionId(), answered.connectionId()));
        for (String other : call.ringingConnectionIds()) {
            if (!other.equals(answered.connectionId())) {
                commands.add(new ReleaseConnection(call.callId(), other));
            }
        }
        if (!call.pushedDeviceIds().isEmpty()) {
            commands.add(push(call, PushKind.CANCEL, null)); // answered: the other devices stop ringing
        }
        return connected.moveTo(CallState.CONNECTED, answered.at(), "answered on " + answered.connectionId());
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
        Call ended = call.attemptEnded(event.at(), outcome, sipCode).end(reason, event.at(), detail);
        commands.addAll(endCommands(ended));
        return ended;
    }

    /**
     * What ending a call asks of the world, made from the ended record alone so that it can be asked
     * again: settle its money first (nothing outside may hold it), then tear its legs down.
     */
    static List<CallCommand> endCommands(Call ended) {
        List<CallCommand> commands = new ArrayList<>();
        commands.add(charge(ended));
        if (ended.route() == RouteKind.PSTN) {
            Attempt attempt = ended.current();
            commands.add(new ReleaseConnection(ended.callId(), ended.callerConnectionId()));
            commands.add(new HangUpNumber(ended.callId(), attempt.number(), attempt.providerId()));
            if (ended.answeredAt() != null
                    && (ended.endReason() == EndReason.CUT_OFF || ended.endReason() == EndReason.FAILED)) {
                // We ended it, not a report of the leg's end: ask the carrier once more how the leg ended, so a
                // hang-up whose report was lost (and whose checks failed) still corrects the bill, however late.
                commands.add(new CallCommand.CheckNumber(ended.callId(), attempt.number(), attempt.providerId(),
                        ended.endedAt()));
            }
        } else {
            List<String> legs = ended.route() == null ? List.of(ended.callerConnectionId())
                    : ended.answeredAt() != null ? List.of(ended.callerConnectionId(), ended.calleeConnectionId())
                    : ended.allLegs();
            for (String leg : legs) {
                commands.add(new ReleaseConnection(ended.callId(), leg));
            }
        }
        // A call that woke devices (and, after its push window, perhaps rang the callee's phone instead).
        if (ended.answeredAt() == null && !ended.pushedDeviceIds().isEmpty()) {
            commands.add(push(ended, PushKind.CANCEL, null)); // an answered call said so at its answer
            if (ended.endReason() == EndReason.MISSED) {
                commands.add(push(ended, PushKind.MISSED, null));
            }
        }
        return commands;
    }

    /** A push about the call to every device it woke ({@code ringUntil}: when a ring push is worth nothing). */
    private static CallCommand.PushCallee push(Call call, PushKind kind, Instant ringUntil) {
        return new CallCommand.PushCallee(call.callId(), call.callerUserId(), call.calleeUserId(), kind,
                call.pushedDeviceIds(), ringUntil);
    }

    /** Settling an ended call's money and keeping its detail record. */
    private static ChargeCall charge(Call ended) {
        return new ChargeCall(ended.callId(), CallDetails.of(ended), ended.charging() != null);
    }

    private static String name(CallEvent event) {
        return event.getClass().getSimpleName();
    }
}
