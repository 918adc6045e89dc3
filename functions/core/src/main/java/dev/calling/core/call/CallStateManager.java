package dev.calling.core.call;

import dev.calling.core.abuse.LimitAlerts;
import dev.calling.core.privacy.KnownCallers;
import dev.calling.core.push.Device;
import dev.calling.core.push.Devices;
import dev.calling.core.routing.CarrierCatalogue;
import dev.calling.core.routing.Route;
import dev.calling.core.session.SessionDirectory;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The call state manager's use case: take one call event, move the call record, then tell the
 * switch, the carriers, the timers and billing what to do. A PSTN call is authorised (priced, its
 * money reserved) before anything rings; authorisation is idempotent per call.
 *
 * <p>The record and the commands of a transition are written together (the commands are the
 * record's outbox), and the commands run only after the write succeeds. If the handler dies after
 * the write, the redelivered event is recognised as a duplicate and the outbox is issued again;
 * every command is idempotent. A lost optimistic-lock race re-reads the record and decides again.
 * After an applied transition, attempts that started or ended are reported to the carrier
 * catalogue (health and load).
 *
 * <p>Commands are independent: each is issued even when one before it failed (a carrier down for an
 * hour must not hold a call's timers or its settlement), in the order the machine gives them (timers
 * and settlement before switch and carrier commands); if any failed, {@link CommandsFailed} is thrown
 * after all were tried so that the event is delivered again (or, in the end, dead-lettered and
 * redriven). Once every end command of an ended call has been carried out, the call is closed out.
 *
 * <p>Times from outside are not trusted: an event stamped more than {@link #CLOCK_SKEW} in the future
 * is taken to have happened now, and an answer stamped before the call's latest timeline line (a clock
 * running behind) too, so that money is never counted from before the answer.
 */
public final class CallStateManager {

    static final int MAX_ATTEMPTS = 5;

    /** How far ahead of this function's clock a reported time may be before it is taken as now. */
    public static final java.time.Duration CLOCK_SKEW = java.time.Duration.ofSeconds(5);

    private final CallStore calls;
    private final SessionDirectory sessions;
    private final CallRouter router;
    private final CarrierCatalogue catalogue;
    private final CallAuthoriser authoriser;
    private final CommandPorts ports;
    private final CallStateMachine machine;
    private final Clock clock;
    private final Devices devices;
    private final KnownCallers known;

    /** Without devices registered for push: callees are rung over their live connections only. */
    public CallStateManager(CallStore calls, SessionDirectory sessions, CallRouter router, CarrierCatalogue catalogue,
            CallAuthoriser authoriser, CommandPorts ports, CallStateMachine machine, Clock clock) {
        this(calls, sessions, router, catalogue, authoriser, ports, machine, clock, Devices.NONE);
    }

    /** @param devices the devices callees registered for push: a callee with any is also woken by push */
    public CallStateManager(CallStore calls, SessionDirectory sessions, CallRouter router, CarrierCatalogue catalogue,
            CallAuthoriser authoriser, CommandPorts ports, CallStateMachine machine, Clock clock, Devices devices) {
        this(calls, sessions, router, catalogue, authoriser, ports, machine, clock, devices, KnownCallers.NONE);
    }

    /**
     * @param known whom each user knows, kept here: a caller knows whom they called once the call is routed to
     *     them, a callee whom they took a call from once it is answered (for callees who silence unknown callers)
     */
    public CallStateManager(CallStore calls, SessionDirectory sessions, CallRouter router, CarrierCatalogue catalogue,
            CallAuthoriser authoriser, CommandPorts ports, CallStateMachine machine, Clock clock, Devices devices,
            KnownCallers known) {
        this.known = Objects.requireNonNull(known);
        this.devices = Objects.requireNonNull(devices);
        this.calls = Objects.requireNonNull(calls);
        this.sessions = Objects.requireNonNull(sessions);
        this.router = Objects.requireNonNull(router);
        this.catalogue = Objects.requireNonNull(catalogue);
        this.authoriser = Objects.requireNonNull(authoriser);
        this.ports = Objects.requireNonNull(ports);
        this.machine = Objects.requireNonNull(machine);
        this.clock = Objects.requireNonNull(clock);
    }

    public Outcome handle(CallEvent reported) {
        Instant now = clock.instant();
        CallEvent event = reported.at().isAfter(now.plus(CLOCK_SKEW)) ? reported.retimed(now) : reported;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<Call> current = calls.find(event.callId());
            Outcome outcome = decide(current, answeredNoEarlierThanPossible(current, event, now));
            if (outcome.needsWrite() && !write(current, outcome.call())) {
                continue;
            }
            List<RuntimeException> failures = new ArrayList<>();
            Instant bridgedAt = null;
            for (CallCommand command : outcome.commands()) {
                try {
                    ports.issue(command);
                    if (command instanceof CallCommand.BridgeConnections || command instanceof CallCommand.BridgeToNumber) {
                        bridgedAt = clock.instant();
                    }
                } catch (RuntimeException failed) {
                    failures.add(failed);
                }
            }
            if (outcome.kind() == Outcome.Kind.APPLIED) {
                reportAttempts(current.map(Call::attempts).orElse(List.of()), outcome.call().attempts());
                measure(current.orElse(null), outcome, bridgedAt);
            }
            if (outcome.kind() == Outcome.Kind.APPLIED || outcome.kind() == Outcome.Kind.DUPLICATE) {
                ports.parties().callChanged(outcome.call()); // again on a redelivery: the first push may have been lost
                if (event instanceof CallEvent.CallRequested) {
                    alertOnLimit(outcome.call());
                }
                try {
                    acquaint(event, outcome.call()); // again on a redelivery: it is idempotent
                } catch (RuntimeException lost) {
                    // Best effort, as metrics are: failing the event for it would hold the call's later events (its
                    // hang-up, with a carrier leg still up) behind the redeliveries for as long as the table is out.
                    // A lost mark costs at most one silenced call from someone the callee knows (the adapter logs it).
                }
            }
            if (!failures.isEmpty()) {
                throw new CommandsFailed(event, failures);
            }
            if (outcome.call() != null && outcome.call().isTerminal() && outcome.kind() != Outcome.Kind.IGNORED) {
                calls.closeOut(event.callId());
            }
            return outcome;
        }
        throw new ConcurrentCallUpdate(event.callId(), MAX_ATTEMPTS);
    }

    /**
     * A call routed to a user makes its caller know them (even one the callee screened out: its caller did call);
     * a call answered makes its callee know its caller.
     */
    private void acquaint(CallEvent event, Call call) {
        if (call == null || call.calleeUserId() == null) {
            return;
        }
        if (event instanceof CallEvent.CallRequested && call.route() != null) {
            known.remember(call.callerUserId(), call.calleeUserId(), call.requestedAt());
        } else if (event instanceof CallEvent.CallAnswered && call.answeredAt() != null) {
            known.remember(call.calleeUserId(), call.callerUserId(), call.answeredAt());
        }
    }

    private void measure(Call before, Outcome applied, Instant bridgedAt) {
        try {
            ports.metrics().applied(before, applied);
            if (bridgedAt != null) {
                ports.metrics().bridged(applied.call(), bridgedAt);
            }
        } catch (RuntimeException e) {
            // A metric never holds a call.
        }
    }

    /** Which end reasons are abuse limits, and the alert each raises. */
    private static final Map<EndReason, LimitAlerts.Limit> LIMITS = Map.of(
            EndReason.TOO_MANY_CALLS, LimitAlerts.Limit.CONCURRENT_CALLS,
            EndReason.SPEND_LIMIT_REACHED, LimitAlerts.Limit.DAILY_SPEND,
            EndReason.HIGH_RISK_DESTINATION, LimitAlerts.Limit.HIGH_RISK_DESTINATION);

    /** A call refused by an abuse limit raises its alert (again on a redelivered request). */
    private void alertOnLimit(Call call) {
        LimitAlerts.Limit limit = call.isTerminal() ? LIMITS.get(call.endReason()) : null;
        if (limit == null) {
            return;
        }
        String detail = call.timeline().get(call.timeline().size() - 1).detail();
        try {
            ports.alerts().raise(new LimitAlerts.Alert(limit, call.callerUserId(), call.callId(), detail,
                    call.endedAt()));
        } catch (RuntimeException e) {
            // An alert never holds a call (the port should not throw; this is the belt to its braces).
        }
    }

    private Outcome decide(Optional<Call> current, CallEvent event) {
        if (current.isPresent() && event instanceof CallEvent.CallCheck check) {
            return machine.check(current.get(), check, gone(current.get(), check.at()));
        }
        if (current.isPresent() && event instanceof CallEvent.FallbackDue due && machine.fallsBack(current.get(), due)) {
            return fallBack(current.get(), due);
        }
        if (current.isPresent()) {
            return machine.apply(current.get(), event);
        }
        if (event instanceof CallEvent.CallRequested request) {
            Instant now = clock.instant();
            List<String> callerLive = sessions.sessionsOf(request.callerUserId()).liveConnectionIds(now);
            List<String> calleeLive = request.calleeUserId() == null ? List.of()
                    : sessions.sessionsOf(request.calleeUserId()).liveConnectionIds(now);
            List<String> calleeDevices = request.calleeUserId() == null ? List.of()
                    : devices.of(request.calleeUserId()).stream().map(Device::deviceId).toList();
            Route route = router.route(request, calleeLive, calleeDevices, now);
            if (!callerLive.contains(request.callerConnectionId())) {
                return machine.start(request, callerLive, route, null); // fails: nothing is authorised for it
            }
            Authorised authorised = authorise(request, route, now);
            return machine.start(request, callerLive, authorised.route(), authorised.charging());
        }
        return Outcome.ignored(null, "no call " + event.callId() + " for " + event.getClass().getSimpleName());
    }

    /**
     * The callee's app did not answer the push in time: the call is routed to the callee's phone number as if
     * they had no app (the caller's plan, carriers' health now) and authorised as any PSTN call is, at this
     * moment. Authorisation is idempotent per call, so a retry after a concurrent update reserves nothing more;
     * money reserved for a fallback that did not happen (the app answered meanwhile) is released when the call
     * ends uncharged.
     */
    private Outcome fallBack(Call call, CallEvent.FallbackDue due) {
        Instant now = clock.instant();
        CallEvent.CallRequested request = new CallEvent.CallRequested(call.callId() + ":requested", call.callId(),
                call.requestedAt(), call.callerUserId(), call.callerConnectionId(), call.calleeUserId(), null);
        Authorised authorised = authorise(request, router.route(request, List.of(), List.of(), now), now);
        return machine.fallBack(call, due, authorised.route(), authorised.charging());
    }

    /** A route as authorised: a PSTN route with its prepaid terms, or the refusal; any other route as it is. */
    private record Authorised(Route route, Charging charging) {}

    private Authorised authorise(CallEvent.CallRequested request, Route route, Instant now) {
        if (!(route instanceof Route.Pstn pstn)) {
            return new Authorised(route, null);
        }
        CallAuthoriser.Authorisation authorisation = authoriser.authorise(request, pstn, now);
        if (authorisation instanceof CallAuthoriser.Authorisation.Granted granted) {
            return new Authorised(route, granted.charging());
        }
        return new Authorised(((CallAuthoriser.Authorisation.Refused) authorisation).refusal(), null);
    }

    /**
     * An answer stamped before the call's latest timeline line comes from a clock running behind (a carrier's):
     * it happened between that line and now, and billing starts at the latest it can have been, now. (An end
     * stamped so is moved up to the latest line by the machine instead: the earliest it can have been.)
     */
    private static CallEvent answeredNoEarlierThanPossible(Optional<Call> current, CallEvent event, Instant now) {
        return event instanceof CallEvent.CallAnswered && current.isPresent()
                && event.at().isBefore(current.get().latestTime()) ? event.retimed(now) : event;
    }

    /** The parties of a connected call whose apps have no live connection left at {@code now}. */
    private Set<Party> gone(Call call, Instant now) {
        if (call.state() != CallState.CONNECTED) {
            return Set.of();
        }
        Set<Party> gone = EnumSet.noneOf(Party.class);
        if (sessions.sessionsOf(call.callerUserId()).liveConnectionIds(now).isEmpty()) {
            gone.add(Party.CALLER);
        }
        if (call.route() == RouteKind.VOIP && call.calleeUserId() != null
                && sessions.sessionsOf(call.calleeUserId()).liveConnectionIds(now).isEmpty()) {
            gone.add(Party.CALLEE);
        }
        return gone;
    }

    private boolean write(Optional<Call> current, Call next) {
        return current.isEmpty() ? calls.create(next) : calls.update(next, current.get().version());
    }

    private void reportAttempts(List<Attempt> before, List<Attempt> after) {
        for (Attempt attempt : after) {
            Attempt earlier = attempt.number() <= before.size() ? before.get(attempt.number() - 1) : null;
            if (earlier == null) {
                catalogue.attemptStarted(attempt.providerId(), attempt.startedAt());
            }
            if (attempt.endedAt() != null && (earlier == null || earlier.endedAt() == null)) {
                catalogue.attemptEnded(attempt.providerId(), attempt.outcome(), attempt.endedAt());
            }
        }
    }

    /**
     * Some of an event's commands failed (all were tried); the event is retried by its queue, and the
     * record (written already) makes the retry a duplicate that issues them again.
     */
    public static final class CommandsFailed extends RuntimeException {
        CommandsFailed(CallEvent event, List<RuntimeException> failures) {
            super(failures.size() + " command(s) of " + event.getClass().getSimpleName() + " " + event.eventId()
                    + " for call " + event.callId() + " failed; first: " + failures.get(0), failures.get(0));
            failures.stream().skip(1).forEach(this::addSuppressed);
        }
    }

    /** Too many concurrent writers on one call; the event is retried by its queue. */
    public static final class ConcurrentCallUpdate extends RuntimeException {
        ConcurrentCallUpdate(String callId, int attempts) {
            super("call " + callId + " changed under us " + attempts + " times in a row");
        }
    }
}
