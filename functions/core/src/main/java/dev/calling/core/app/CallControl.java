package dev.calling.core.app;

import dev.calling.core.Page;
import dev.calling.core.abuse.LimitAlerts;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallState;
import dev.calling.core.call.CallStore;
import dev.calling.core.call.Party;
import dev.calling.core.call.RouteKind;
import dev.calling.core.session.Connection;
import dev.calling.core.session.SessionDirectory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an app user can do with calls: place, answer, reject, hang up, look one up, list their own.
 * The user is who the identity provider says ({@code userId}, the token's subject), never a field
 * of the request; a user sees and acts on only calls they are party to, and a call of someone
 * else's is reported as not found (its existence is not revealed).
 *
 * <p>Actions are events for the call state manager, which owns the call record: this class checks
 * what it can (party, state) and publishes; the state machine has the last word (an answer that
 * crosses a hang-up is ignored there). Events carry ids derived from the call and the action, so a
 * retried request is dropped as a duplicate. A refused request writes and publishes nothing.
 */
public final class CallControl {

    /** How long a placed call's Idempotency-Key is remembered: the window in which an app may retry. */
    public static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);
    public static final int MAX_PAGE = 100;

    private final CallStore calls;
    private final CallHistory history;
    private final CallRequests requests;
    private final CallEvents events;
    private final SessionDirectory sessions;
    private final Clock clock;
    private final CallAttempts attempts;
    private final int attemptsPerMinute;
    private final LimitAlerts alerts;

    /** Without a limit on call attempts. */
    public CallControl(CallStore calls, CallHistory history, CallRequests requests, CallEvents events,
            SessionDirectory sessions, Clock clock) {
        this(calls, history, requests, events, sessions, clock, CallAttempts.UNLIMITED, Integer.MAX_VALUE,
                LimitAlerts.NONE);
    }

    /**
     * @param attemptsPerMinute new calls one user may place in a minute (a retry of a placed call is not one)
     * @param alerts told of each attempt refused for the limit
     */
    public CallControl(CallStore calls, CallHistory history, CallRequests requests, CallEvents events,
            SessionDirectory sessions, Clock clock, CallAttempts attempts, int attemptsPerMinute, LimitAlerts alerts) {
        this.calls = Objects.requireNonNull(calls);
        this.history = Objects.requireNonNull(history);
        this.requests = Objects.requireNonNull(requests);
        this.events = Objects.requireNonNull(events);
        this.sessions = Objects.requireNonNull(sessions);
        this.clock = Objects.requireNonNull(clock);
        this.attempts = Objects.requireNonNull(attempts);
        if (attemptsPerMinute < 1) {
            throw new IllegalArgumentException("at least one call attempt a minute: " + attemptsPerMinute);
        }
        this.attemptsPerMinute = attemptsPerMinute;
        this.alerts = Objects.requireNonNull(alerts);
    }

    /** The call as placed, and whether this was a retry of an earlier request with the same key. */
    public record Placed(CallView call, boolean replayed) {}

    public Placed place(String userId, PlaceCall call) {
        String callId = call.callIdFor(userId);
        Optional<PlacedCall> earlier = requests.find(callId);
        if (earlier.isPresent()) {
            return replay(userId, call, earlier.get());
        }
        if (calls.find(callId).isPresent()) {
            // The key's request was forgotten (after the idempotency window) but its call remains.
            throw new RequestRefused(Refusal.IDEMPOTENCY_KEY_REUSED,
                    "this Idempotency-Key named an earlier call; use a new key for a new call");
        }
        Instant now = clock.instant();
        String connectionId = liveConnectionOf(userId, call.connectionId(), now);
        // Counted last of the checks (a request refused for its content is no attempt) and before anything is
        // stored: a refused attempt writes nothing but the count it was refused by.
        if (!attempts.count(userId, now, attemptsPerMinute)) {
            Duration wait = CallAttempts.untilNextWindow(now);
            String detail = "you placed " + attemptsPerMinute + " calls this minute, as many as one may; try again in "
                    + Math.max(1, wait.toSeconds()) + " s";
            alerts.raise(new LimitAlerts.Alert(LimitAlerts.Limit.CALL_ATTEMPTS, userId, callId, detail, now));
            throw new RequestRefused(Refusal.TOO_MANY_CALL_ATTEMPTS, detail, Optional.of(wait));
        }
        CallRequested request;
        try {
            request = new CallRequested(callId + ":requested", callId, now, userId, connectionId,
                    call.calleeUserId().orElse(null), call.phoneNumber().map(n -> n.e164()).orElse(null));
        } catch (IllegalArgumentException e) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, e.getMessage());
        }
        PlacedCall stored = requests.storeOnce(new PlacedCall(request, call.fingerprint(), now.plus(IDEMPOTENCY_WINDOW)));
        if (!stored.request().equals(request)) {
            return replay(userId, call, stored); // a concurrent retry stored first
        }
        events.publish(request);
        return new Placed(CallView.requested(request, userId), false);
    }

    /**
     * A retry: the same call, as it is now. The request is sent again in case the first attempt
     * stored it but died before sending (the call state manager drops it if it has the call).
     */
    private Placed replay(String userId, PlaceCall call, PlacedCall earlier) {
        if (!earlier.fingerprint().equals(call.fingerprint())) {
            throw new RequestRefused(Refusal.IDEMPOTENCY_KEY_REUSED,
                    "this Idempotency-Key was used for a different call request; use a new key for a new call");
        }
        Optional<Call> stored = calls.find(earlier.callId());
        if (stored.isEmpty()) {
            events.publish(earlier.request());
        }
        return new Placed(stored.map(c -> CallView.of(c, userId))
                .orElseGet(() -> CallView.requested(earlier.request(), userId)), true);
    }

    private String liveConnectionOf(String userId, Optional<String> requested, Instant now) {
        List<Connection> live = sessions.sessionsOf(userId).liveConnections(now);
        if (requested.isPresent()) {
            if (live.stream().noneMatch(c -> c.connectionId().equals(requested.get()))) {
                throw new RequestRefused(Refusal.NOT_CONNECTED, "connection " + requested.get()
                        + " is not a live connection of yours; reconnect the realtime WebSocket");
            }
            return requested.get();
        }
        return live.stream().max(Comparator.comparing(CallControl::lastSeen)).map(Connection::connectionId)
                .orElseThrow(() -> new RequestRefused(Refusal.NOT_CONNECTED,
                        "you have no live connection to call from; open the realtime WebSocket first"));
    }

    private static Instant lastSeen(Connection connection) {
        return connection.lastSeenAt() != null ? connection.lastSeenAt() : connection.openedAt();
    }

    /**
     * The callee answers, on {@code connectionId} (one of the connections the call rang) or, if
     * not given, on the first connection it rang. A call that woke the callee's devices by push may
     * be answered on any live connection of the callee (the woken app's new one), by default the latest.
     */
    public CallView answer(String userId, String callId, Optional<String> connectionId) {
        connectionId.ifPresent(id -> PlaceCall.requireId("connectionId", id));
        Call call = ringingForCallee(userId, callId, "answer");
        String connection = connectionId.isPresent() ? connectionId.get()
                : !call.ringingConnectionIds().isEmpty() ? call.ringingConnectionIds().get(0)
                : liveConnectionOf(userId, Optional.empty(), clock.instant()); // the callee's latest live one
        boolean rung = call.ringingConnectionIds().contains(connection);
        boolean woken = !call.pushedDeviceIds().isEmpty()
                && sessions.sessionsOf(userId).liveConnectionIds(clock.instant()).contains(connection);
        if (!rung && !woken) {
            throw new RequestRefused(Refusal.WRONG_STATE, "the call did not ring connection " + connection
                    + (call.pushedDeviceIds().isEmpty() ? "; answer on one of " + call.ringingConnectionIds()
                    : ", nor is it one of your live connections: open the realtime WebSocket first"));
        }
        events.publish(new CallEvent.CallAnswered(callId + ":answer", callId, clock.instant(), 0, 0, connection));
        return CallView.of(call, userId);
    }

    /** The callee declines a ringing call. */
    public CallView reject(String userId, String callId) {
        Call call = ringingForCallee(userId, callId, "reject");
        events.publish(new CallEvent.CallDeclined(callId + ":reject", callId, clock.instant(), 0, 0));
        return CallView.of(call, userId);
    }

    /**
     * Either party ends the call: a connected call completes, a ringing one is cancelled (caller)
     * or declined (callee). A call placed a moment ago that the call state manager has not stored
     * yet can be hung up too: the event queues behind the request, in the call's order.
     */
    public CallView hangUp(String userId, String callId) {
        Optional<Call> stored = calls.find(callId);
        if (stored.isEmpty()) {
            PlacedCall placed = requests.find(callId).filter(p -> p.request().callerUserId().equals(userId))
                    .orElseThrow(() -> notFound(callId));
            events.publish(new CallEvent.CallHungUp(callId + ":hangup:CALLER", callId, clock.instant(), 0, 0,
                    Party.CALLER));
            return CallView.requested(placed.request(), userId);
        }
        Call call = stored.filter(c -> c.isSeenBy(userId)).orElseThrow(() -> notFound(callId));
        CallView seen = CallView.of(call, userId);
        if (seen.state() == CallState.ENDED) {
            throw new RequestRefused(Refusal.WRONG_STATE, "the call has already ended (" + seen.endReason() + ")");
        }
        Party party = call.callerUserId().equals(userId) ? Party.CALLER : Party.CALLEE;
        events.publish(new CallEvent.CallHungUp(callId + ":hangup:" + party, callId, clock.instant(), 0, 0, party));
        return CallView.of(call, userId);
    }

    /** One of the user's calls; a call placed but not yet stored shows as REQUESTED to its caller. */
    public CallView view(String userId, String callId) {
        Optional<Call> stored = calls.find(callId);
        if (stored.isPresent()) {
            return stored.filter(c -> c.isSeenBy(userId)).map(c -> CallView.of(c, userId))
                    .orElseThrow(() -> notFound(callId));
        }
        return requests.find(callId).filter(p -> p.request().callerUserId().equals(userId))
                .map(p -> CallView.requested(p.request(), userId)).orElseThrow(() -> notFound(callId));
    }

    /** The user's calls, newest first. */
    public Page<CallView> calls(String userId, int limit, Optional<String> after) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "limit must be between 1 and " + MAX_PAGE);
        }
        Page<Call> page = history.callsOf(userId, limit, after);
        // Calls from users this user blocked are not theirs to see: a page may hold fewer than limit then.
        return new Page<>(page.items().stream().filter(c -> c.isSeenBy(userId)).map(c -> CallView.of(c, userId))
                .toList(), page.next());
    }

    private Call ringingForCallee(String userId, String callId, String action) {
        Call call = calls.find(callId).filter(c -> c.isSeenBy(userId)).orElseThrow(() -> notFound(callId));
        if (!userId.equals(call.calleeUserId())) {
            throw new RequestRefused(Refusal.NOT_ALLOWED, "only the callee can " + action + " a call");
        }
        if (call.route() == RouteKind.PSTN) {
            throw new RequestRefused(Refusal.WRONG_STATE, "this call rings your phone, not the app: "
                    + action + " it there");
        }
        CallView seen = CallView.of(call, userId); // a call the callee silenced has ended for them
        if (seen.state() != CallState.RINGING) {
            throw new RequestRefused(Refusal.WRONG_STATE, "cannot " + action + " a call that is " + seen.state()
                    + (seen.endReason() != null ? " (" + seen.endReason() + ")" : ""));
        }
        return call;
    }

    private static RequestRefused notFound(String callId) {
        return new RequestRefused(Refusal.CALL_NOT_FOUND, "no call " + callId + " of yours");
    }
}
