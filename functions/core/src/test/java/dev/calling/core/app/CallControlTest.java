package dev.calling.core.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.core.Page;
import dev.calling.core.abuse.LimitAlerts;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallState;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.call.CallStore;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.Party;
import dev.calling.core.routing.Route;
import dev.calling.core.session.Connection;
import dev.calling.core.session.ConnectionState;
import dev.calling.core.session.SessionDirectory;
import dev.calling.core.session.UserSessions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CallControlTest {

    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

    final Map<String, Call> stored = new HashMap<>();
    final Map<String, PlacedCall> placed = new HashMap<>();
    final List<CallEvent> published = new ArrayList<>();
    final Map<String, List<Connection>> connections = new HashMap<>();

    final CallStore calls = new CallStore() {
        public Optional<Call> find(String callId) {
            return Optional.ofNullable(stored.get(callId));
        }

        public boolean create(Call call) {
            return stored.putIfAbsent(call.callId(), call) == null;
        }

        public boolean update(Call call, long expectedVersion) {
            stored.put(call.callId(), call);
            return true;
        }

        public void closeOut(String callId) {}
    };
    final CallRequests requests = new CallRequests() {
        public Optional<PlacedCall> find(String callId) {
            return Optional.ofNullable(placed.get(callId));
        }

        public PlacedCall storeOnce(PlacedCall call) {
            return placed.computeIfAbsent(call.callId(), id -> call);
        }
    };
    final SessionDirectory sessions = new SessionDirectory() {
        public UserSessions sessionsOf(String userId) {
            return UserSessions.of(userId, connections.getOrDefault(userId, List.of()));
        }

        public Optional<Connection> connection(String connectionId) {
            return Optional.empty();
        }
    };
    final CallControl control = new CallControl(calls, (user, limit, after) -> new Page<>(List.of(), Optional.empty()),
            requests, published::add, sessions, Clock.fixed(NOW, ZoneOffset.UTC));

    void live(String userId, String connectionId, Instant lastSeen) {
        connections.computeIfAbsent(userId, u -> new ArrayList<>()).add(new Connection(userId, "s-" + connectionId,
                connectionId, ConnectionState.OPEN, lastSeen, lastSeen, NOW.plusSeconds(60)));
    }

    /** The call as the call state manager stores it once it rang bob's connections. */
    Call ringing(String callId, List<String> bobConnections) {
        var request = new CallEvent.CallRequested(callId + ":requested", callId, NOW, "alice", "alice-c1", "bob");
        Call call = new CallStateMachine(Duration.ofSeconds(45))
                .start(request, List.of("alice-c1"), new Route.Voip(bobConnections, List.of())).call();
        stored.put(callId, call);
        return call;
    }

    @Test
    void placingACallSendsTheRequestFromTheCallersMostRecentlySeenConnection() {
        live("alice", "alice-old", NOW.minusSeconds(50));
        live("alice", "alice-new", NOW.minusSeconds(5));

        CallControl.Placed result = control.place("alice", PlaceCall.of("key-1", "bob", null, null));

        assertThat(result.replayed()).isFalse();
        assertThat(result.call().state()).isEqualTo(CallState.REQUESTED);
        assertThat(result.call().direction()).isEqualTo(CallView.Direction.OUTGOING);
        assertThat(published).singleElement().isInstanceOfSatisfying(CallEvent.CallRequested.class, r -> {
            assertThat(r.callId()).isEqualTo(result.call().callId()).startsWith("call-");
            assertThat(r.callerConnectionId()).isEqualTo("alice-new");
            assertThat(r.calleeUserId()).isEqualTo("bob");
        });
    }

    @Test
    void aRetryWithTheSameKeyReturnsTheSameCallAndResendsTheRequestUntilTheCallIsStored() {
        live("alice", "alice-c1", NOW);
        var first = control.place("alice", PlaceCall.of("key-1", null, "+442071838750", null));
        var retry = control.place("alice", PlaceCall.of("key-1", null, "+442071838750", null));

        assertThat(retry.replayed()).isTrue();
        assertThat(retry.call().callId()).isEqualTo(first.call().callId());
        assertThat(placed).hasSize(1);
        assertThat(published).hasSize(2).allSatisfy(e -> assertThat(e).isEqualTo(published.get(0)));

        ringing(first.call().callId(), List.of("bob-c1"));
        var later = control.place("alice", PlaceCall.of("key-1", null, "+442071838750", null));
        assertThat(later.call().state()).as("the call as it is now").isEqualTo(CallState.RINGING);
        assertThat(published).as("not resent once stored").hasSize(2);
    }

    @Test
    void aCallerOverTheAttemptsOfTheMinuteIsRefusedWithRetryAfterAndNothingIsStoredOrSentButRetriesStillAnswer() {
        live("alice", "alice-c1", NOW.minusSeconds(5));
        Map<String, Integer> counted = new HashMap<>();
        CallAttempts perMinute = (user, at, limit) -> {
            String window = user + "#" + at.toEpochMilli() / 60_000;
            if (counted.getOrDefault(window, 0) >= limit) {
                return false;
            }
            counted.merge(window, 1, Integer::sum);
            return true;
        };
        Instant at = NOW.plusSeconds(15); // 45 s left in the minute
        List<LimitAlerts.Alert> alerts = new ArrayList<>();
        CallControl limited = new CallControl(calls, (user, limit, after) -> new Page<>(List.of(), Optional.empty()),
                requests, published::add, sessions, Clock.fixed(at, ZoneOffset.UTC), perMinute, 2, alerts::add);
        var first = limited.place("alice", PlaceCall.of("k1", "bob", null, null));
        limited.place("alice", PlaceCall.of("k2", "bob", null, null));

        assertThatThrownBy(() -> limited.place("alice", PlaceCall.of("k3", "bob", null, null)))
                .isInstanceOfSatisfying(RequestRefused.class, refused -> {
                    assertThat(refused.refusal()).isEqualTo(Refusal.TOO_MANY_CALL_ATTEMPTS);
                    assertThat(refused.retryAfter()).contains(Duration.ofSeconds(45));
                    assertThat(refused.getMessage()).contains("2 calls this minute", "try again in 45 s");
                });
        assertThat(placed).hasSize(2);
        assertThat(published).hasSize(2);
        assertThat(alerts).singleElement().satisfies(alert -> {
            assertThat(alert.limit()).isEqualTo(LimitAlerts.Limit.CALL_ATTEMPTS);
            assertThat(alert.userId()).isEqualTo("alice");
            assertThat(alert.callId()).isEqualTo(PlaceCall.of("k3", "bob", null, null).callIdFor("alice"));
        });
        assertThat(limited.place("alice", PlaceCall.of("k1", "bob", null, null)).call().callId())
                .as("a retry of a placed call is not a new attempt").isEqualTo(first.call().callId());
        assertThat(counted).containsEntry("alice#" + at.toEpochMilli() / 60_000, 2);
        assertThatThrownBy(() -> limited.place("alice", PlaceCall.of("k4", "nobody-online", null, "not-mine")))
                .as("a request refused for its content is not counted").isInstanceOf(RequestRefused.class)
                .extracting(e -> ((RequestRefused) e).refusal()).isEqualTo(Refusal.NOT_CONNECTED);
    }

    @Test
    void aCallFromAUserTheCalleeBlockedIsTheCallersAloneAndRingsUnansweredForThem() {
        var request = new CallEvent.CallRequested("blocked:requested", "blocked", NOW, "alice", "alice-c1", "bob");
        var started = new CallStateMachine(Duration.ofSeconds(45)).start(request, List.of("alice-c1"),
                new Route.Refused(Route.Refusal.BLOCKED_BY_CALLEE, "bob blocked alice"));
        Call call = started.call();
        stored.put("blocked", call);

        assertThat(call.screening()).isEqualTo(Call.Screening.BLOCKED);
        assertThat(call.ringingConnectionIds()).isEmpty();
        assertThat(started.commands()).as("the ring timer, and the caller's side set up as for any call: nothing"
                + " of the callee rings, nothing is pushed").satisfiesExactly(
                        timer -> assertThat(timer).isInstanceOf(CallCommand.ScheduleRingTimeout.class),
                        ring -> assertThat(((CallCommand.RingCallee) ring).calleeConnectionIds()).isEmpty());
        assertThat(control.view("alice", "blocked").state()).as("not revealed: it rings, unanswered")
                .isEqualTo(CallState.RINGING);
        assertThatThrownBy(() -> control.view("bob", "blocked")).isInstanceOfSatisfying(RequestRefused.class,
                refused -> assertThat(refused.refusal()).isEqualTo(Refusal.CALL_NOT_FOUND));
        assertThatThrownBy(() -> control.answer("bob", "blocked", Optional.empty()))
                .isInstanceOfSatisfying(RequestRefused.class,
                        refused -> assertThat(refused.refusal()).isEqualTo(Refusal.CALL_NOT_FOUND));
        CallControl withHistory = new CallControl(calls, (user, limit, after) -> new Page<>(List.of(call), Optional.empty()),
                requests, published::add, sessions, Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(withHistory.calls("bob", 10, Optional.empty()).items()).isEmpty();
        assertThat(withHistory.calls("alice", 10, Optional.empty()).items()).hasSize(1);

        var missed = new CallStateMachine(Duration.ofSeconds(45)).apply(call,
                CallEvent.RingTimeoutElapsed.of("blocked", NOW.plusSeconds(45)));
        assertThat(missed.call().endReason()).as("as an unanswered call ends").isEqualTo(EndReason.MISSED);
        assertThat(missed.commands()).noneMatch(c -> c instanceof CallCommand.PushCallee)
                .anyMatch(c -> c instanceof CallCommand.ReleaseConnection release
                        && release.connectionId().equals("alice-c1"));
    }

    @Test
    void aCallTheCalleeSilencedRingsUnansweredForTheCallerAndIsAMissedCallForTheCallee() {
        var request = new CallEvent.CallRequested("silenced:requested", "silenced", NOW, "alice", "alice-c1", "bob");
        var machine = new CallStateMachine(Duration.ofSeconds(45));
        var started = machine.start(request, List.of("alice-c1"),
                new Route.Refused(Route.Refusal.UNKNOWN_CALLER_SILENCED, "bob silences unknown callers"));
        Call call = started.call();
        stored.put("silenced", call);

        assertThat(call.screening()).isEqualTo(Call.Screening.SILENCED);
        assertThat(started.commands()).as("the ring timer, and the caller's side set up as for any call: nothing"
                + " of the callee rings, nothing is pushed").satisfiesExactly(
                        timer -> assertThat(timer).isInstanceOf(CallCommand.ScheduleRingTimeout.class),
                        ring -> assertThat(((CallCommand.RingCallee) ring).calleeConnectionIds()).isEmpty());
        CallView callers = control.view("alice", "silenced");
        assertThat(callers.state()).as("not revealed: it rings, unanswered").isEqualTo(CallState.RINGING);
        assertThat(callers.silenced()).isNull();
        CallView callees = control.view("bob", "silenced");
        assertThat(callees.state()).isEqualTo(CallState.ENDED);
        assertThat(callees.endReason()).isEqualTo(EndReason.MISSED);
        assertThat(callees.endedAt()).isEqualTo(NOW);
        assertThat(callees.silenced()).isTrue();
        assertThatThrownBy(() -> control.answer("bob", "silenced", Optional.empty()))
                .isInstanceOfSatisfying(RequestRefused.class,
                        refused -> assertThat(refused.refusal()).isEqualTo(Refusal.WRONG_STATE));
        assertThatThrownBy(() -> control.hangUp("bob", "silenced")).isInstanceOfSatisfying(RequestRefused.class,
                refused -> assertThat(refused.refusal()).isEqualTo(Refusal.WRONG_STATE));
        CallControl withHistory = new CallControl(calls, (user, limit, after) -> new Page<>(List.of(call), Optional.empty()),
                requests, published::add, sessions, Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(withHistory.calls("bob", 10, Optional.empty()).items()).as("in the callee's history")
                .singleElement().satisfies(view -> assertThat(view.silenced()).isTrue());

        assertThat(machine.apply(call, new CallEvent.CallAnswered("silenced:answer", "silenced", NOW.plusSeconds(2),
                0, 0, "bob-c1")).call().state()).as("nothing rang: an answer from the callee's side is ignored")
                .isEqualTo(CallState.RINGING);
        assertThat(machine.apply(call, new CallEvent.CallHungUp("silenced:hangup", "silenced", NOW.plusSeconds(2), 0, 0,
                Party.CALLEE)).call().state()).isEqualTo(CallState.RINGING);
        var missed = machine.apply(call, CallEvent.RingTimeoutElapsed.of("silenced", NOW.plusSeconds(45)));
        assertThat(missed.call().endReason()).as("as an unanswered call ends").isEqualTo(EndReason.MISSED);
        assertThat(missed.commands()).noneMatch(c -> c instanceof CallCommand.PushCallee);
    }

    @Test
    void theSameKeyFromAnotherUserIsAnotherCall() {
        live("alice", "alice-c1", NOW);
        live("carol", "carol-c1", NOW);
        String alices = control.place("alice", PlaceCall.of("key-1", "bob", null, null)).call().callId();
        String carols = control.place("carol", PlaceCall.of("key-1", "bob", null, null)).call().callId();
        assertThat(carols).isNotEqualTo(alices);
    }

    @Test
    void reusingAKeyForADifferentRequestIsRefusedAndSendsNothing() {
        live("alice", "alice-c1", NOW);
        control.place("alice", PlaceCall.of("key-1", "bob", null, null));

        assertThatThrownBy(() -> control.place("alice", PlaceCall.of("key-1", "carol", null, null)))
                .isInstanceOfSatisfying(RequestRefused.class,
                        e -> assertThat(e.refusal()).isEqualTo(Refusal.IDEMPOTENCY_KEY_REUSED));
        assertThat(published).hasSize(1);
    }

    @Test
    void aKeyWhoseRequestWasForgottenButWhoseCallRemainsIsNotReused() {
        live("alice", "alice-c1", NOW);
        String callId = PlaceCall.of("key-1", "bob", null, null).callIdFor("alice");
        ringing(callId, List.of("bob-c1"));

        assertThatThrownBy(() -> control.place("alice", PlaceCall.of("key-1", "bob", null, null)))
                .isInstanceOfSatisfying(RequestRefused.class,
                        e -> assertThat(e.refusal()).isEqualTo(Refusal.IDEMPOTENCY_KEY_REUSED));
        assertThat(published).isEmpty();
    }

    @Test
    void withoutALiveConnectionNothingIsStoredOrSent() {
        assertThatThrownBy(() -> control.place("alice", PlaceCall.of("key-1", "bob", null, null)))
                .isInstanceOfSatisfying(RequestRefused.class, e -> assertThat(e.refusal()).isEqualTo(Refusal.NOT_CONNECTED));
        live("alice", "alice-c1", NOW);
        assertThatThrownBy(() -> control.place("alice", PlaceCall.of("key-1", "bob", null, "alice-c9")))
                .isInstanceOfSatisfying(RequestRefused.class, e -> assertThat(e.refusal()).isEqualTo(Refusal.NOT_CONNECTED));
        assertThat(placed).isEmpty();
        assertThat(published).isEmpty();
    }

    @Test
    void emergencyNumbersAreRefusedWithTheirOwnReasonNeverAsInvalidNumbersAndNothingIsPlaced() {
        live("alice", "alice-c1", NOW);
        for (String emergency : List.of("112", "911", "999", "000", "110", "119", "+112", "+911")) {
            assertThatThrownBy(() -> control.place("alice", PlaceCall.of("key-" + emergency, null, emergency, null)))
                    .as(emergency).isInstanceOfSatisfying(RequestRefused.class, e -> {
                        assertThat(e.refusal()).isEqualTo(Refusal.EMERGENCY_CALLS_NOT_SUPPORTED);
                        assertThat(e.getMessage()).contains("emergency services").contains("own dialer");
                    });
        }
        assertThat(refusal(() -> PlaceCall.of("key", null, "12345", null))).as("a short number, not an emergency one")
                .isEqualTo(Refusal.INVALID_PHONE_NUMBER);
        assertThat(placed).isEmpty();
        assertThat(published).isEmpty();
    }

    @Test
    void badRequestsAreRefusedWithTheirReason() {
        assertThat(refusal(() -> PlaceCall.of("key", null, "+44 20 7183 8750", null))).isEqualTo(Refusal.INVALID_PHONE_NUMBER);
        assertThat(refusal(() -> PlaceCall.of("key", null, "02071838750", null))).isEqualTo(Refusal.INVALID_PHONE_NUMBER);
        assertThat(refusal(() -> PlaceCall.of("key", null, "+999123", null))).isEqualTo(Refusal.INVALID_PHONE_NUMBER);
        assertThat(refusal(() -> PlaceCall.of("key", "bob", "+442071838750", null))).isEqualTo(Refusal.INVALID_REQUEST);
        assertThat(refusal(() -> PlaceCall.of("key", null, null, null))).isEqualTo(Refusal.INVALID_REQUEST);
        assertThat(refusal(() -> PlaceCall.of(null, "bob", null, null))).isEqualTo(Refusal.INVALID_REQUEST);
        assertThat(refusal(() -> PlaceCall.of("a key with spaces", "bob", null, null))).isEqualTo(Refusal.INVALID_REQUEST);
        assertThat(refusal(() -> PlaceCall.of("key", "bob/../x", null, null))).isEqualTo(Refusal.INVALID_REQUEST);
        live("alice", "alice-c1", NOW);
        assertThat(refusal(() -> control.place("alice", PlaceCall.of("key", "alice", null, null))))
                .as("calling yourself").isEqualTo(Refusal.INVALID_REQUEST);
        assertThat(placed).isEmpty();
    }

    @Test
    void onlyTheCalleeAnswersOrRejectsAndOnlyWhileItRings() {
        Call call = ringing("call-1", List.of("bob-c1", "bob-c2"));

        assertThat(refusal(() -> control.answer("alice", "call-1", Optional.empty()))).isEqualTo(Refusal.NOT_ALLOWED);
        assertThat(refusal(() -> control.answer("mallory", "call-1", Optional.empty()))).isEqualTo(Refusal.CALL_NOT_FOUND);
        assertThat(refusal(() -> control.reject("mallory", "call-1"))).isEqualTo(Refusal.CALL_NOT_FOUND);
        assertThat(refusal(() -> control.answer("bob", "call-1", Optional.of("bob-c9")))).isEqualTo(Refusal.WRONG_STATE);
        assertThat(published).isEmpty();

        control.answer("bob", "call-1", Optional.of("bob-c2"));
        assertThat(published).singleElement().isInstanceOfSatisfying(CallEvent.CallAnswered.class, a -> {
            assertThat(a.connectionId()).isEqualTo("bob-c2");
            assertThat(a.fromSwitch()).isFalse();
        });

        stored.put("call-1", new CallStateMachine(Duration.ofSeconds(45))
                .apply(call, new CallEvent.CallDeclined("e-1", "call-1", NOW, 0, 0)).call());
        assertThat(refusal(() -> control.answer("bob", "call-1", Optional.empty()))).isEqualTo(Refusal.WRONG_STATE);
        assertThat(refusal(() -> control.reject("bob", "call-1"))).isEqualTo(Refusal.WRONG_STATE);
        assertThat(refusal(() -> control.hangUp("bob", "call-1"))).isEqualTo(Refusal.WRONG_STATE);
        assertThat(published).hasSize(1);
    }

    @Test
    void aCallThatWokeTheCalleeByPushIsAnsweredOnTheWokenAppsNewConnectionAndOnNoOneElses() {
        var request = new CallEvent.CallRequested("call-2:requested", "call-2", NOW, "alice", "alice-c1", "bob");
        stored.put("call-2", new CallStateMachine(Duration.ofSeconds(45))
                .start(request, List.of("alice-c1"), new Route.Voip(List.of(), List.of(), List.of("iphone"))).call());
        assertThat(refusal(() -> control.answer("bob", "call-2", Optional.empty())))
                .as("not connected yet").isEqualTo(Refusal.NOT_CONNECTED);
        live("bob", "bob-woken", NOW.minusSeconds(1));
        live("alice", "alice-c2", NOW.minusSeconds(1));

        assertThat(refusal(() -> control.answer("bob", "call-2", Optional.of("alice-c2"))))
                .as("not the callee's connection").isEqualTo(Refusal.WRONG_STATE);
        assertThat(published).isEmpty();
        control.answer("bob", "call-2", Optional.empty());

        assertThat(published).singleElement().isInstanceOfSatisfying(CallEvent.CallAnswered.class,
                a -> assertThat(a.connectionId()).isEqualTo("bob-woken"));
    }

    @Test
    void eitherPartyHangsUpButNoOneElse() {
        ringing("call-1", List.of("bob-c1"));

        assertThat(refusal(() -> control.hangUp("mallory", "call-1"))).isEqualTo(Refusal.CALL_NOT_FOUND);
        assertThat(refusal(() -> control.view("mallory", "call-1"))).isEqualTo(Refusal.CALL_NOT_FOUND);
        control.hangUp("bob", "call-1");
        control.hangUp("alice", "call-1");

        assertThat(published).extracting(e -> ((CallEvent.CallHungUp) e).party()).containsExactly(Party.CALLEE, Party.CALLER);
        assertThat(control.view("bob", "call-1").direction()).isEqualTo(CallView.Direction.INCOMING);
    }

    @Test
    void aCallNotYetStoredIsVisibleAndCanBeHungUpByItsCallerOnly() {
        live("alice", "alice-c1", NOW);
        String callId = control.place("alice", PlaceCall.of("key-1", "bob", null, null)).call().callId();

        assertThat(control.view("alice", callId).state()).isEqualTo(CallState.REQUESTED);
        assertThat(refusal(() -> control.view("bob", callId))).isEqualTo(Refusal.CALL_NOT_FOUND);
        assertThat(refusal(() -> control.hangUp("bob", callId))).isEqualTo(Refusal.CALL_NOT_FOUND);

        control.hangUp("alice", callId);
        assertThat(published.get(1)).isInstanceOfSatisfying(CallEvent.CallHungUp.class,
                h -> assertThat(h.party()).isEqualTo(Party.CALLER));
    }

    @Test
    void pageSizesAreBounded() {
        assertThat(refusal(() -> control.calls("alice", 0, Optional.empty()))).isEqualTo(Refusal.INVALID_REQUEST);
        assertThat(refusal(() -> control.calls("alice", 101, Optional.empty()))).isEqualTo(Refusal.INVALID_REQUEST);
        assertThat(control.calls("alice", 100, Optional.empty()).items()).isEmpty();
    }

    static Refusal refusal(Runnable action) {
        try {
            action.run();
        } catch (RequestRefused refused) {
            return refused.refusal();
        }
        throw new AssertionError("not refused");
    }
}
