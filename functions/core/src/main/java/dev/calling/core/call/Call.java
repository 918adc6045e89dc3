package dev.calling.core.call;

import dev.calling.core.routing.Route;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The call record: one per call, owned by the call state manager. Immutable; every change makes
 * a new record with {@code version + 1}, which the store writes only if the stored version is
 * still the one this record was read at.
 *
 * @param calleeUserId the called user, or null for a call to a dialled number
 * @param dialledNumber the E.164 number a PSTN call goes to (dialled, or the callee user's number)
 * @param route VOIP or PSTN, once routed (null only before routing)
 * @param ringingConnectionIds the callee connections that were alerted (VoIP)
 * @param calleeConnectionId the callee connection (VoIP) or carrier leg (PSTN) that answered
 * @param failoverProviders the carriers still to try, in order, if the current attempt's carrier fails
 * @param carrierRates what each carrier of a PSTN route charges us for this number (for the cost in the call detail record)
 * @param charging the prepaid terms of a PSTN call (price, money reserved, talk time it buys), else null
 * @param attempts every attempt so far; the last is the current one
 * @param lastSwitchSequence the highest switch sequence applied in the current attempt
 * @param deferred switch reports of the current attempt that arrived ahead of a missing earlier one
 * @param lastEventId the event whose handling produced this version
 * @param outbox the commands of that handling, re-issued if the same event is delivered again
 * @param earlier the handlings before that one, newest first (at most {@link #EARLIER_HANDLINGS}), so an
 *     event redelivered late (a dead letter redriven after later events were applied) still finds its
 *     commands and issues them again
 * @param checkBy when the call must be looked at if nothing has moved it by then (a ringing call past its
 *     ring timeout, a connected call past the longest call, an ended call whose end commands are not yet
 *     known to be carried out); the sweeper's index
 * @param version the optimistic-locking version; 0 for a record not yet stored
 */
public record Call(
        String callId,
        String callerUserId,
        String callerConnectionId,
        String calleeUserId,
        String dialledNumber,
        RouteKind route,
        CallState state,
        EndReason endReason,
        List<String> ringingConnectionIds,
        List<String> pushedDeviceIds,
        String calleeConnectionId,
        List<String> failoverProviders,
        List<Route.ProviderOption> carrierRates,
        Charging charging,
        List<Attempt> attempts,
        Instant requestedAt,
        Instant answeredAt,
        Instant endedAt,
        long lastSwitchSequence,
        List<CallEvent> deferred,
        List<TimelineEntry> timeline,
        String lastEventId,
        List<CallCommand> outbox,
        List<Handling> earlier,
        Instant checkBy,
        long version,
        Screening screening) {

    /** How many handlings before the last one a record remembers. */
    public static final int EARLIER_HANDLINGS = 8;

    /** Timeline lines a record keeps: the first, and the latest after it. */
    public static final int TIMELINE_LINES = 40;

    /** Switch reports a record holds behind a gap; one more and the gap is taken as lost. */
    public static final int WAITING_REPORTS = 32;

    /** One handled event and the commands its handling issued. */
    public record Handling(String eventId, List<CallCommand> commands) {
        public Handling {
            Objects.requireNonNull(eventId, "eventId");
            commands = List.copyOf(commands);
        }
    }

    /**
     * Whether the callee screened the call out: a screened call never rings, pushes or dials the callee; to the
     * caller it rings unanswered and ends {@code MISSED} at the ring timeout, as any call not picked up.
     */
    public enum Screening {
        /** Not screened: the callee is rung. */
        NONE,
        /** The callee blocked the caller: they never see the call. */
        BLOCKED,
        /** The callee silences callers they do not know: the call is a missed call in their history at once. */
        SILENCED
    }

    public Call {
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(screening, "screening");
        if ((state == CallState.ENDED) != (endReason != null)) {
            throw new IllegalArgumentException("an end reason is set exactly when the call has ENDED");
        }
        ringingConnectionIds = List.copyOf(ringingConnectionIds);
        pushedDeviceIds = List.copyOf(pushedDeviceIds);
        failoverProviders = List.copyOf(failoverProviders);
        carrierRates = List.copyOf(carrierRates);
        attempts = List.copyOf(attempts);
        deferred = List.copyOf(deferred);
        timeline = List.copyOf(timeline);
        outbox = List.copyOf(outbox);
        earlier = List.copyOf(earlier);
    }

    /** A call its callee did not screen out. */
    public Call(String callId, String callerUserId, String callerConnectionId, String calleeUserId,
            String dialledNumber, RouteKind route, CallState state, EndReason endReason,
            List<String> ringingConnectionIds, List<String> pushedDeviceIds, String calleeConnectionId,
            List<String> failoverProviders, List<Route.ProviderOption> carrierRates, Charging charging,
            List<Attempt> attempts, Instant requestedAt, Instant answeredAt, Instant endedAt, long lastSwitchSequence,
            List<CallEvent> deferred, List<TimelineEntry> timeline, String lastEventId, List<CallCommand> outbox,
            List<Handling> earlier, Instant checkBy, long version) {
        this(callId, callerUserId, callerConnectionId, calleeUserId, dialledNumber, route, state, endReason,
                ringingConnectionIds, pushedDeviceIds, calleeConnectionId, failoverProviders, carrierRates, charging,
                attempts, requestedAt, answeredAt, endedAt, lastSwitchSequence, deferred, timeline, lastEventId, outbox,
                earlier, checkBy, version, Screening.NONE);
    }

    /** A call whose callee was not woken by push on any device (records and tests from before push). */
    public Call(String callId, String callerUserId, String callerConnectionId, String calleeUserId,
            String dialledNumber, RouteKind route, CallState state, EndReason endReason,
            List<String> ringingConnectionIds, String calleeConnectionId, List<String> failoverProviders,
            List<Route.ProviderOption> carrierRates, Charging charging, List<Attempt> attempts, Instant requestedAt,
            Instant answeredAt, Instant endedAt, long lastSwitchSequence, List<CallEvent> deferred,
            List<TimelineEntry> timeline, String lastEventId, List<CallCommand> outbox, List<Handling> earlier,
            Instant checkBy, long version) {
        this(callId, callerUserId, callerConnectionId, calleeUserId, dialledNumber, route, state, endReason,
                ringingConnectionIds, List.of(), calleeConnectionId, failoverProviders, carrierRates, charging, attempts,
                requestedAt, answeredAt, endedAt, lastSwitchSequence, deferred, timeline, lastEventId, outbox, earlier,
                checkBy, version, Screening.NONE);
    }

    /** A new call as requested, not yet routed nor stored. */
    public static Call requested(CallEvent.CallRequested request) {
        return new Call(request.callId(), request.callerUserId(), request.callerConnectionId(),
                request.calleeUserId(), request.dialledNumber(), null, CallState.REQUESTED, null, List.of(), List.of(), null,
                List.of(), List.of(), null, List.of(), request.at(), null, null, 0, List.of(),
                List.of(new TimelineEntry(request.at(), CallState.REQUESTED,
                        request.callerUserId() + " calls " + request.callee())),
                request.eventId(), List.of(), List.of(), null, 0);
    }

    public boolean isTerminal() {
        return state.isTerminal();
    }

    /** Who or what is called, for people to read. */
    public String callee() {
        return calleeUserId != null ? calleeUserId : dialledNumber;
    }

    /** The current attempt's number (1 for the first), or 0 before routing. */
    public int currentAttempt() {
        return attempts.size();
    }

    Attempt current() {
        return attempts.get(attempts.size() - 1);
    }

    /** This call moved to {@code next}; throws {@link IllegalCallTransition} for a move the machine forbids. */
    Call moveTo(CallState next, Instant at, String detail) {
        if (!state.canMoveTo(next)) {
            throw new IllegalCallTransition(callId, state, next);
        }
        return change(d -> d.state = next).withTimeline(new TimelineEntry(at, next, detail));
    }

    Call end(EndReason reason, Instant at, String detail) {
        if (!state.canMoveTo(CallState.ENDED)) {
            throw new IllegalCallTransition(callId, state, CallState.ENDED);
        }
        return change(d -> {
            d.state = CallState.ENDED;
            d.endReason = reason;
            d.endedAt = at;
        }).withTimeline(new TimelineEntry(at, CallState.ENDED, reason + " (" + detail + ")"));
    }

    /**
     * The end of an ended call, corrected: it ended at {@code at} (earlier than recorded) for
     * {@code reason}; the answered attempt ends then too. The old end stays in the timeline, the
     * correction follows it.
     */
    Call revisedEnd(EndReason reason, Instant at, String detail) {
        if (state != CallState.ENDED) {
            throw new IllegalStateException("only an ended call's end can be revised: " + callId + " is " + state);
        }
        return change(d -> {
            d.endReason = reason;
            d.endedAt = at;
            Attempt last = d.attempts.get(d.attempts.size() - 1);
            d.attempts.set(d.attempts.size() - 1, new Attempt(last.number(), last.providerId(), last.startedAt(), at,
                    last.outcome(), last.sipCode()));
        }).withTimeline(new TimelineEntry(at, CallState.ENDED, reason + " (" + detail + ")"));
    }

    Call withTimeline(TimelineEntry entry) {
        return change(d -> {
            d.timeline.add(entry);
            if (d.timeline.size() > TIMELINE_LINES) {
                d.timeline.remove(1); // the first line says who called whom; the latest say how it went
            }
        });
    }

    /** The time of the latest line of the timeline: no event is taken to have happened before it. */
    Instant latestTime() {
        return timeline.get(timeline.size() - 1).at();
    }

    Call withCheckBy(Instant at) {
        return change(d -> d.checkBy = at);
    }

    /** The commands issued when event {@code eventId} was handled, if this record remembers that handling. */
    Optional<List<CallCommand>> commandsOf(String eventId) {
        if (eventId.equals(lastEventId)) {
            return Optional.of(outbox);
        }
        return earlier.stream().filter(h -> h.eventId().equals(eventId)).findFirst().map(Handling::commands);
    }

    Call routed(RouteKind kind, String number, List<String> connections, List<String> failover, Attempt first) {
        return routed(kind, number, connections, failover, List.of(), null, first);
    }

    Call routed(RouteKind kind, String number, List<String> connections, List<String> failover,
            List<Route.ProviderOption> rates, Charging terms, Attempt first) {
        return change(d -> {
            d.route = kind;
            d.carrierRates = rates;
            d.charging = terms;
            d.dialledNumber = number;
            d.ringingConnectionIds = new ArrayList<>(connections);
            d.failoverProviders = new ArrayList<>(failover);
            d.attempts.add(first);
        });
    }

    /**
     * The call leaves the callee's app for their phone {@code number}: a PSTN route over {@code rates}'
     * carriers in order, the first one a new attempt, the others its failover.
     */
    Call fellBackTo(String number, List<Route.ProviderOption> rates, Charging terms, Instant at) {
        return change(d -> {
            d.route = RouteKind.PSTN;
            d.dialledNumber = number;
            d.carrierRates = List.copyOf(rates);
            d.charging = terms;
            d.failoverProviders = new ArrayList<>(rates.stream().skip(1).map(Route.ProviderOption::providerId).toList());
            d.attempts.add(Attempt.started(d.attempts.size() + 1, rates.get(0).providerId(), at));
            d.lastSwitchSequence = 0;
            d.deferred = List.of();
        });
    }

    /** The callee screened the call out ({@link Screening}): it never reaches them. */
    Call screened(Screening how) {
        return change(d -> d.screening = how);
    }

    /** Whether {@code userId} may see this call: its caller, or its callee unless they blocked the caller. */
    public boolean isSeenBy(String userId) {
        return userId.equals(callerUserId) || (userId.equals(calleeUserId) && screening != Screening.BLOCKED);
    }

    /** Whether the callee silenced this call: to them it is a call missed at once, whatever the caller sees. */
    public boolean isSilenced() {
        return screening == Screening.SILENCED;
    }

    /** The devices of the callee this call wakes by push. */
    Call pushedTo(List<String> deviceIds) {
        return change(d -> d.pushedDeviceIds = List.copyOf(deviceIds));
    }

    Call answeredOn(String connectionId, Instant at) {
        return change(d -> {
            d.calleeConnectionId = connectionId;
            d.answeredAt = at;
            d.attempts.set(d.attempts.size() - 1, current().answered());
        });
    }

    Call attemptEnded(Instant at, dev.calling.core.routing.AttemptOutcome outcome, int sipCode) {
        return attempts.isEmpty() ? this
                : change(d -> d.attempts.set(d.attempts.size() - 1, current().ended(at, outcome, sipCode)));
    }

    /** Starts the next attempt with the next failover carrier; the switch sequence restarts with it. */
    Call nextAttempt(Instant at) {
        return change(d -> {
            String provider = d.failoverProviders.remove(0);
            d.attempts.add(Attempt.started(d.attempts.size() + 1, provider, at));
            d.lastSwitchSequence = 0;
            d.deferred = List.of();
        });
    }

    Call withSwitchSequence(long sequence) {
        return change(d -> d.lastSwitchSequence = sequence);
    }

    Call withDeferred(List<CallEvent> events) {
        List<CallEvent> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(CallEvent::switchSequence));
        return change(d -> d.deferred = sorted);
    }

    /** The version to store after handling {@code eventId}, with the commands that handling issued. */
    Call handled(String eventId, List<CallCommand> commands) {
        return change(d -> {
            if (lastEventId != null && !lastEventId.equals(eventId)) {
                List<Handling> kept = new ArrayList<>();
                kept.add(new Handling(lastEventId, outbox));
                kept.addAll(earlier.subList(0, Math.min(earlier.size(), EARLIER_HANDLINGS - 1)));
                d.earlier = kept;
            }
            d.lastEventId = eventId;
            d.outbox = new ArrayList<>(commands);
            d.version = version + 1;
        });
    }

    /** Every connection this call may hold on the VoIP switch: the caller's and every alerted callee connection. */
    List<String> allLegs() {
        List<String> legs = new ArrayList<>();
        legs.add(callerConnectionId);
        legs.addAll(ringingConnectionIds);
        if (route == RouteKind.VOIP && calleeConnectionId != null && !legs.contains(calleeConnectionId)) {
            legs.add(calleeConnectionId);
        }
        return legs;
    }

    private Call change(Consumer<Draft> edit) {
        Draft d = new Draft(this);
        edit.accept(d);
        return d.build();
    }

    /** A mutable copy, so each change above names only the fields it changes. */
    private static final class Draft {
        final String callId;
        final String callerUserId;
        final String callerConnectionId;
        final String calleeUserId;
        String dialledNumber;
        RouteKind route;
        CallState state;
        EndReason endReason;
        List<String> ringingConnectionIds;
        List<String> pushedDeviceIds;
        String calleeConnectionId;
        List<String> failoverProviders;
        List<Route.ProviderOption> carrierRates;
        Charging charging;
        List<Attempt> attempts;
        final Instant requestedAt;
        Instant answeredAt;
        Instant endedAt;
        long lastSwitchSequence;
        List<CallEvent> deferred;
        List<TimelineEntry> timeline;
        String lastEventId;
        List<CallCommand> outbox;
        List<Handling> earlier;
        Instant checkBy;
        long version;
        Screening screening;

        Draft(Call c) {
            callId = c.callId;
            callerUserId = c.callerUserId;
            callerConnectionId = c.callerConnectionId;
            calleeUserId = c.calleeUserId;
            dialledNumber = c.dialledNumber;
            route = c.route;
            state = c.state;
            endReason = c.endReason;
            ringingConnectionIds = c.ringingConnectionIds;
            pushedDeviceIds = c.pushedDeviceIds;
            calleeConnectionId = c.calleeConnectionId;
            failoverProviders = new ArrayList<>(c.failoverProviders);
            carrierRates = c.carrierRates;
            charging = c.charging;
            attempts = new ArrayList<>(c.attempts);
            requestedAt = c.requestedAt;
            answeredAt = c.answeredAt;
            endedAt = c.endedAt;
            lastSwitchSequence = c.lastSwitchSequence;
            deferred = c.deferred;
            timeline = new ArrayList<>(c.timeline);
            lastEventId = c.lastEventId;
            outbox = c.outbox;
            earlier = c.earlier;
            checkBy = c.checkBy;
            version = c.version;
            screening = c.screening;
        }

        Call build() {
            return new Call(callId, callerUserId, callerConnectionId, calleeUserId, dialledNumber, route, state,
                    endReason, ringingConnectionIds, pushedDeviceIds, calleeConnectionId, failoverProviders, carrierRates, charging, attempts,
                    requestedAt,
                    answeredAt, endedAt, lastSwitchSequence, deferred, timeline, lastEventId, outbox, earlier, checkBy, version,
                    screening);
        }
    }
}
