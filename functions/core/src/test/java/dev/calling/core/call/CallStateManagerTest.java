package dev.calling.core.call;

import dev.calling.core.abuse.LimitAlerts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.core.call.CallEvent.CallAnswered;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.CarrierCatalogue;
import dev.calling.core.routing.CarrierStatus;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.ProviderRouting;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.Route;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.core.routing.SubscriberDirectory;
import dev.calling.core.session.Connection;
import dev.calling.core.session.ConnectionState;
import dev.calling.core.session.SessionDirectory;
import dev.calling.core.session.UserSessions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The use case against in-memory ports: write-then-issue, duplicates and optimistic-lock races. */
class CallStateManagerTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    final MemoryCalls calls = new MemoryCalls();
    final List<CallCommand> issued = new ArrayList<>();
    final SwitchPort recordingSwitch = new SwitchPort() {
        public void ring(CallCommand.RingCallee c) { issued.add(c); }
        public void bridge(CallCommand.BridgeConnections c) { issued.add(c); }
        public void release(CallCommand.ReleaseConnection c) { issued.add(c); }
    };
    final TimerPort timers = issued::add;
    boolean bobGone;
    final SessionDirectory sessions = new SessionDirectory() {
        public UserSessions sessionsOf(String userId) {
            Instant expiry = T0.plusSeconds(90);
            return UserSessions.of(userId, switch (userId) {
                case "alice" -> List.of(new Connection("alice", "s", "a1", ConnectionState.OPEN, T0, T0, expiry));
                case "bob" -> bobGone ? List.of(new Connection("bob", "s", "b1", ConnectionState.CLOSED, T0, T0, expiry))
                        : List.of(new Connection("bob", "s", "b1", ConnectionState.OPEN, T0, T0, expiry),
                        new Connection("bob", "s", "b0", ConnectionState.CLOSED, T0, T0, expiry));
                default -> List.of();
            });
        }
        public Optional<Connection> connection(String connectionId) { return Optional.empty(); }
    };
    final List<String> feedback = new ArrayList<>();
    final CarrierCatalogue catalogue = new CarrierCatalogue() {
        public List<CarrierStatus> carriers(Instant now) {
            return List.of(carrier("alpha", "0.010"), carrier("bravo", "0.020"));
        }
        public void attemptStarted(String providerId, Instant at) { feedback.add("started " + providerId); }
        public void attemptEnded(String providerId, AttemptOutcome outcome, Instant at) {
            feedback.add("ended " + providerId + " " + outcome);
        }
    };
    boolean carrierDown;
    final CarrierPort carriers = new CarrierPort() {
        public void dial(CallCommand.DialNumber c) { carrier(c); }
        public void bridge(CallCommand.BridgeToNumber c) { carrier(c); }
        public void hangUp(CallCommand.HangUpNumber c) { carrier(c); }
        public void check(CallCommand.CheckNumber c) { carrier(c); }

        private void carrier(CallCommand c) {
            if (carrierDown) {
                throw new IllegalStateException("carrier API answers 503");
            }
            issued.add(c);
        }
    };
    final SubscriberDirectory subscribers = userId -> userId.equals("alice")
            ? new Subscriber("alice", Optional.empty(), RoutingPlan.withPstn(List.of()))
            : Subscriber.appOnly(userId);
    final List<CallCommand.ChargeCall> charged = new ArrayList<>();
    final List<CallCommand.ReviseCharge> revisions = new ArrayList<>();
    final BillingPort billing = new BillingPort() {
        @Override
        public void charge(CallCommand.ChargeCall command) {
            charged.add(command);
        }

        @Override
        public void revise(CallCommand.ReviseCharge command) {
            revisions.add(command);
        }
    };
    final List<String> authorised = new ArrayList<>();
    final CallAuthoriser authoriser = (request, route, now) -> {
        authorised.add(request.callId());
        return new CallAuthoriser.Authorisation.Granted(new Charging(new Rate("44", Money.of("0.05", "USD"),
                Money.of("0", "USD"), BillingIncrement.PER_MINUTE, LocalDate.of(2026, 1, 1)), Money.of("3", "USD"), 3600));
    };
    final List<String> notified = new ArrayList<>();
    final CallStateManager manager = new CallStateManager(calls, sessions,
            new CatalogueRouter(new ProviderRouting(), subscribers, catalogue), catalogue, authoriser,
            new CommandPorts(recordingSwitch, carriers, timers, billing,
                    call -> notified.add(call.state() + " v" + call.version())),
            new CallStateMachine(Duration.ofSeconds(45)), Clock.fixed(T0, ZoneOffset.UTC));

    /** Bob silences unknown callers; whom each user knows, as "user knows other". */
    final java.util.Set<String> known = new java.util.LinkedHashSet<>();
    boolean knownCallersDown;
    boolean knownCallersUnreadable;
    final dev.calling.core.privacy.KnownCallers knownCallers = new dev.calling.core.privacy.KnownCallers() {
        public boolean knows(String userId, String otherUserId) {
            if (knownCallersUnreadable) {
                throw new IllegalStateException("known-callers table out");
            }
            return known.contains(userId + " knows " + otherUserId);
        }

        public void remember(String userId, String otherUserId, Instant at) {
            if (knownCallersDown) {
                throw new IllegalStateException("known-callers table throttled");
            }
            known.add(userId + " knows " + otherUserId);
        }
    };
    final CallStateManager silencing = new CallStateManager(calls, sessions,
            new CatalogueRouter(new ProviderRouting(), userId -> new Subscriber(userId, Optional.empty(),
                    RoutingPlan.voipOnly(), userId.equals("bob")), catalogue,
                    dev.calling.core.privacy.BlockList.NONE, knownCallers),
            catalogue, authoriser, new CommandPorts(recordingSwitch, carriers, timers, billing),
            new CallStateMachine(Duration.ofSeconds(45)), Clock.fixed(T0, ZoneOffset.UTC),
            dev.calling.core.push.Devices.NONE, knownCallers);

    @Test
    void aCalleeWhoSilencesUnknownCallersIsRungOnlyByUsersTheyCalledOrTookACallFrom() {
        silencing.handle(new CallRequested("s1", "sil-1", T0, "alice", "a1", "bob"));

        assertThat(calls.byId.get("sil-1").screening()).isEqualTo(Call.Screening.SILENCED);
        assertThat(issued).noneMatch(c -> c instanceof CallCommand.RingCallee ring && !ring.calleeConnectionIds().isEmpty());
        assertThat(known).as("alice called bob: she knows him now, he does not know her")
                .containsExactly("alice knows bob");

        silencing.handle(new CallRequested("s2", "sil-2", T0, "bob", "b1", "alice"));
        assertThat(calls.byId.get("sil-2").screening()).isEqualTo(Call.Screening.NONE);
        assertThat(known).as("bob called alice").contains("bob knows alice");
        silencing.handle(new CallRequested("s3", "sil-3", T0, "alice", "a1", "bob"));
        assertThat(calls.byId.get("sil-3").screening()).as("bob called alice: her call rings him")
                .isEqualTo(Call.Screening.NONE);
        assertThat(issued).anyMatch(c -> c instanceof CallCommand.RingCallee ring && ring.callId().equals("sil-3")
                && ring.calleeConnectionIds().equals(List.of("b1")));
    }

    @Test
    void takingACallMakesItsCallerKnownAndAKnownCallersOutageNeverHoldsTheCall() {
        silencing.handle(new CallRequested("t1", "sil-4", T0, "bob", "b1", "alice"));
        known.clear();
        CallAnswered answered = new CallAnswered("t2", "sil-4", T0.plusSeconds(3), 0, 0, "a1");
        knownCallersDown = true; // for good, as far as this call is concerned

        assertThat(silencing.handle(answered).kind()).as("applied: its bridge issued, its event not failed")
                .isEqualTo(Outcome.Kind.APPLIED);
        assertThat(calls.byId.get("sil-4").state()).isEqualTo(CallState.CONNECTED);
        assertThat(issued).anyMatch(c -> c instanceof CallCommand.BridgeConnections bridge && bridge.callId().equals("sil-4"));
        assertThat(known).isEmpty();

        knownCallersDown = false;
        assertThat(silencing.handle(answered).kind()).as("a redelivered answer").isEqualTo(Outcome.Kind.DUPLICATE);
        assertThat(known).as("written when a redelivery comes after the outage").containsExactly("alice knows bob");
    }

    @Test
    void aCalleeWhoSilencesUnknownCallersIsRungWhenWhomTheyKnowCannotBeRead() {
        knownCallersUnreadable = true;

        silencing.handle(new CallRequested("u1", "sil-5", T0, "alice", "a1", "bob"));

        assertThat(calls.byId.get("sil-5").screening()).as("rung rather than held or silenced by an outage")
                .isEqualTo(Call.Screening.NONE);
        assertThat(issued).anyMatch(c -> c instanceof CallCommand.RingCallee ring && ring.callId().equals("sil-5")
                && ring.calleeConnectionIds().equals(List.of("b1")));
    }

    @Test
    void aCallRefusedByAnAbuseLimitRaisesItsAlertAgainOnARedeliveryAndOtherCallsRaiseNone() {
        List<LimitAlerts.Alert> alerts = new ArrayList<>();
        CallAuthoriser busy = (request, route, now) -> new CallAuthoriser.Authorisation.Refused(new Route.Refused(
                Route.Refusal.CONCURRENT_CALL_LIMIT, "the caller has 2 PSTN call(s) in progress"));
        CallStateManager limited = new CallStateManager(calls, sessions,
                new CatalogueRouter(new ProviderRouting(), subscribers, catalogue), catalogue, busy,
                new CommandPorts(recordingSwitch, carriers, timers, billing, PushPort.NONE, PartyNotifier.NONE,
                        alerts::add),
                new CallStateMachine(Duration.ofSeconds(45)), Clock.fixed(T0, ZoneOffset.UTC));

        CallRequested tooMany = new CallRequested("r1", "lim-1", T0, "alice", "a1", null, "+447400123456");
        limited.handle(tooMany);
        limited.handle(tooMany); // redelivered
        limited.handle(new CallRequested("r2", "lim-2", T0, "alice", "a1", null, "+449098790000"));
        limited.handle(new CallRequested("r3", "lim-3", T0, "alice", "a1", "bob")); // VoIP: no limit

        assertThat(alerts).extracting(LimitAlerts.Alert::limit, LimitAlerts.Alert::callId, LimitAlerts.Alert::userId)
                .containsExactly(tuple(LimitAlerts.Limit.CONCURRENT_CALLS, "lim-1", "alice"),
                        tuple(LimitAlerts.Limit.CONCURRENT_CALLS, "lim-1", "alice"),
                        tuple(LimitAlerts.Limit.HIGH_RISK_DESTINATION, "lim-2", "alice"));
        assertThat(alerts.get(0).detail()).contains("2 PSTN call(s) in progress");
        assertThat(alerts.get(2).detail()).contains("premium-rate");
        assertThat(calls.find("lim-1").orElseThrow().endReason()).isEqualTo(EndReason.TOO_MANY_CALLS);
    }

    @Test
    void thePartiesAreToldOfEveryStoredChangeAgainOnARedeliveryButNotOfIgnoredEvents() {
        manager.handle(new CallRequested("r", "n1", T0, "alice", "a1", "bob"));
        CallEvent.CallAnswered answered = new CallEvent.CallAnswered("a", "n1", T0.plusSeconds(2), 0, 0, "b1");
        manager.handle(answered);
        manager.handle(answered); // redelivered: the first push may have been lost
        manager.handle(new CallEvent.CallDeclined("d", "n1", T0.plusSeconds(3), 0, 0)); // too late: ignored
        manager.handle(new CallEvent.CallHungUp("h", "n1", T0.plusSeconds(9), 0, 0, Party.CALLER));

        assertThat(notified).containsExactly("RINGING v1", "CONNECTED v2", "CONNECTED v2", "ENDED v3");
    }

    static CarrierStatus carrier(String id, String perMinute) {
        Rate uk = new Rate("44", Money.of(perMinute, "USD"), Money.of("0", "USD"), BillingIncrement.PER_MINUTE,
                LocalDate.of(2026, 1, 1));
        return new CarrierStatus(new Provider(id, ProviderKind.PSTN, RateDeck.of(List.of(uk)), 10, true, 50),
                ProviderHealth.fresh(ProviderHealth.Policy.defaults()), 0);
    }

    @Test
    void pstnAttemptsAreReportedToTheCatalogueOnceEach() {
        CallRequested request = new CallRequested("r", "p1", T0, "alice", "a1", null, "+447400123456");
        manager.handle(request);
        CallEvent.CallFailed failed = new CallEvent.CallFailed("f", "p1", T0.plusSeconds(1), 1, 1, 503, "unavailable");
        manager.handle(failed);
        manager.handle(failed); // redelivered
        manager.handle(new CallEvent.CallAnswered("a", "p1", T0.plusSeconds(3), 2, 1, "bravo-leg"));
        manager.handle(new CallEvent.CallHungUp("h", "p1", T0.plusSeconds(9), 0, 0, Party.CALLER));

        assertThat(feedback).containsExactly("started alpha", "ended alpha CARRIER_FAILURE", "started bravo",
                "ended bravo ANSWERED");
        assertThat(issued).contains(new CallCommand.DialNumber("p1", 1, "alpha", "alice", "a1", "+447400123456",
                        Duration.ofHours(1)), // the talk time the reservation pays for, on every attempt
                new CallCommand.DialNumber("p1", 2, "bravo", "alice", "a1", "+447400123456", Duration.ofHours(1)),
                new CallCommand.BridgeToNumber("p1", 2, "bravo", "alice", "a1"));
        assertThat(calls.byId.get("p1").endReason()).isEqualTo(EndReason.COMPLETED);
    }

    @Test
    void aDialledNumberThatIsNotAPhoneNumberIsRefusedNotRetried() {
        Outcome outcome = manager.handle(new CallRequested("r", "p2", T0, "alice", "a1", null, "+44 12"));

        assertThat(outcome.call().endReason()).isEqualTo(EndReason.FAILED);
        assertThat(outcome.call().timeline().get(1).detail()).contains("invalid phone number '+44 12'");
    }

    @Test
    void requestRingsOnlyLiveConnectionsAndStoresTheCall() {
        manager.handle(new CallRequested("r", "c1", T0, "alice", "a1", "bob"));

        assertThat(calls.byId.get("c1").state()).isEqualTo(CallState.RINGING);
        assertThat(issued).containsExactly(new CallCommand.ScheduleRingTimeout("c1", T0.plusSeconds(45)),
                new CallCommand.RingCallee("c1", "alice", "a1", "bob", List.of("b1")));
    }

    @Test
    void duplicateRequestReissuesTheSameCommandsAndWritesNothing() {
        CallRequested request = new CallRequested("r", "c1", T0, "alice", "a1", "bob");
        manager.handle(request);
        List<CallCommand> first = List.copyOf(issued);
        int writes = calls.writes;

        Outcome again = manager.handle(request);

        assertThat(again.kind()).isEqualTo(Outcome.Kind.DUPLICATE);
        assertThat(calls.writes).isEqualTo(writes);
        assertThat(issued).hasSize(first.size() * 2).endsWith(first.toArray(CallCommand[]::new));
    }

    @Test
    void lostRaceRereadsAndDecidesAgain() {
        manager.handle(new CallRequested("r", "c1", T0, "alice", "a1", "bob"));
        calls.failNextUpdates = 1;

        Outcome outcome = manager.handle(new CallAnswered("a", "c1", T0.plusSeconds(2), 1, 1, "b1"));

        assertThat(outcome.call().state()).isEqualTo(CallState.CONNECTED);
        assertThat(calls.byId.get("c1").state()).isEqualTo(CallState.CONNECTED);
    }

    @Test
    void commandsAreNotIssuedWhenTheWriteNeverSucceeds() {
        manager.handle(new CallRequested("r", "c1", T0, "alice", "a1", "bob"));
        issued.clear();
        calls.failNextUpdates = CallStateManager.MAX_ATTEMPTS;

        assertThatThrownBy(() -> manager.handle(new CallAnswered("a", "c1", T0.plusSeconds(2), 1, 1, "b1")))
                .isInstanceOf(CallStateManager.ConcurrentCallUpdate.class);
        assertThat(issued).isEmpty();
    }

    @Test
    void eventForUnknownCallIsIgnored() {
        Outcome outcome = manager.handle(new CallAnswered("a", "nope", T0, 1, 1, "b1"));

        assertThat(outcome.kind()).isEqualTo(Outcome.Kind.IGNORED);
        assertThat(calls.byId).isEmpty();
    }

    @Test
    void aCarrierDownAtTheEndHoldsNeitherTheSettlementNorTheOtherCommandsAndTheCallClosesOutOnceItIsBack() {
        manager.handle(new CallRequested("r", "p9", T0, "alice", "a1", null, "+447400123456"));
        manager.handle(new CallAnswered("a", "p9", T0.plusSeconds(3), 1, 1, "alpha-leg"));
        issued.clear();
        carrierDown = true;
        CallEvent.CallHungUp hungUp = new CallEvent.CallHungUp("h", "p9", T0.plusSeconds(63), 0, 0, Party.CALLER);

        assertThatThrownBy(() -> manager.handle(hungUp)).isInstanceOf(CallStateManager.CommandsFailed.class)
                .hasMessageContaining("carrier API answers 503");

        assertThat(charged).hasSize(1); // settled although the hang-up failed
        assertThat(issued).containsExactly(new CallCommand.ReleaseConnection("p9", "a1")); // and the caller released
        assertThat(calls.byId.get("p9").state()).isEqualTo(CallState.ENDED);
        assertThat(calls.closedOut).isEmpty();

        carrierDown = false;
        Outcome redelivered = manager.handle(hungUp);

        assertThat(redelivered.kind()).isEqualTo(Outcome.Kind.DUPLICATE);
        assertThat(issued).contains(new CallCommand.HangUpNumber("p9", 1, "alpha"));
        assertThat(charged).hasSize(2).extracting(CallCommand.ChargeCall::record).containsOnly(charged.get(0).record());
        assertThat(calls.closedOut).containsExactly("p9");
    }

    @Test
    void anEmergencyNumberThatGotPastTheApiNeverReachesACarrierOrTheCallersMoney() {
        Outcome refused = manager.handle(new CallRequested("r", "e1", T0, "alice", "a1", null, "112"));

        assertThat(refused.call().endReason()).isEqualTo(EndReason.FAILED);
        assertThat(refused.call().timeline().get(refused.call().timeline().size() - 1).detail())
                .contains("emergency services");
        assertThat(authorised).isEmpty();
        assertThat(issued).noneMatch(c -> c instanceof CallCommand.DialNumber);
        assertThat(charged).singleElement().extracting(CallCommand.ChargeCall::prepaid).isEqualTo(false);
    }

    @Test
    void aFailingDialStillArmsTheRingTimer() {
        carrierDown = true;

        assertThatThrownBy(() -> manager.handle(new CallRequested("r", "p8", T0, "alice", "a1", null, "+447400123456")))
                .isInstanceOf(CallStateManager.CommandsFailed.class);

        assertThat(issued).containsExactly(new CallCommand.ScheduleRingTimeout("p8", T0.plusSeconds(45)));
    }

    @Test
    void aDeadLetteredEventRedrivenAfterLaterEventsStillIssuesItsCommands() {
        carrierDown = true;
        CallRequested request = new CallRequested("r", "p7", T0, "alice", "a1", null, "+447400123456");
        assertThatThrownBy(() -> manager.handle(request)).isInstanceOf(CallStateManager.CommandsFailed.class);
        carrierDown = false;
        manager.handle(new CallEvent.CallRinging("ringing", "p7", T0.plusSeconds(2), 1, 1)); // applied meanwhile
        assertThat(calls.byId.get("p7").lastEventId()).isEqualTo("ringing");
        issued.clear();

        Outcome redriven = manager.handle(request); // from the dead-letter queue, after the fix

        assertThat(redriven.kind()).isEqualTo(Outcome.Kind.DUPLICATE);
        assertThat(issued).containsExactly(new CallCommand.ScheduleRingTimeout("p7", T0.plusSeconds(45)),
                new CallCommand.DialNumber("p7", 1, "alpha", "alice", "a1", "+447400123456", Duration.ofHours(1)));
    }

    @Test
    void anEventStampedInTheFutureIsTakenToHaveHappenedNow() {
        manager.handle(new CallRequested("r", "f1", T0, "alice", "a1", "bob"));
        manager.handle(new CallAnswered("a", "f1", T0, 1, 1, "b1"));

        Outcome outcome = manager.handle(new CallEvent.CallHungUp("h", "f1", T0.plus(Duration.ofDays(400)), 0, 0,
                Party.CALLER));

        assertThat(outcome.call().endedAt()).isEqualTo(T0);
    }

    @Test
    void anAnswerFromACarrierWhoseClockRunsBehindIsTakenAtItsArrivalNotAtTheDial() {
        manager.handle(new CallRequested("r", "k1", T0.minusSeconds(3), "alice", "a1", null, "+447400123456"));

        Outcome outcome = manager.handle(new CallAnswered("a", "k1", T0.minusSeconds(23), 1, 1, "alpha-leg"));

        assertThat(outcome.call().answeredAt()).isEqualTo(T0); // the clock's now, not the dial 3 s before
    }

    @Test
    void theWatchdogEndsACallWhoseCalleeAppHasNoLiveConnectionLeft() {
        manager.handle(new CallRequested("r", "w1", T0, "alice", "a1", "bob"));
        manager.handle(new CallAnswered("a", "w1", T0, 1, 1, "b1"));
        bobGone = true;

        Outcome outcome = manager.handle(CallEvent.CallCheck.due("w1", T0));

        assertThat(outcome.call().endReason()).isEqualTo(EndReason.FAILED);
        assertThat(outcome.call().timeline().get(outcome.call().timeline().size() - 1).detail())
                .contains("the callee's app has no live connection left");
        assertThat(calls.closedOut).containsExactly("w1");
    }

    @Test
    void theWatchdogRearmsItselfWhileBothPartiesAreThereAndWritesNothing() {
        manager.handle(new CallRequested("r", "w2", T0, "alice", "a1", "bob"));
        manager.handle(new CallAnswered("a", "w2", T0, 1, 1, "b1"));
        int writes = calls.writes;
        issued.clear();

        Outcome outcome = manager.handle(CallEvent.CallCheck.due("w2", T0));

        assertThat(outcome.kind()).isEqualTo(Outcome.Kind.CHECKED);
        assertThat(calls.writes).isEqualTo(writes);
        assertThat(issued).containsExactly(new CallCommand.ScheduleCheck("w2", T0.plusSeconds(60)));
    }

    // --- push: a failing push port, the fallback to the callee's phone ---

    boolean pushesDown;
    final List<CallCommand.PushCallee> pushed = new ArrayList<>();
    final PushPort pushes = push -> {
        if (pushesDown) {
            throw new IllegalStateException("SendMessage to call-pushes: 500");
        }
        pushed.add(push);
    };
    /** carl: no live connection, an iPhone registered for push and a phone number. */
    final dev.calling.core.push.Devices carlsIphone = new dev.calling.core.push.Devices() {
        public List<dev.calling.core.push.Device> of(String userId) {
            return userId.equals("carl") ? List.of(new dev.calling.core.push.Device("carl", "carl-iphone",
                    dev.calling.core.push.PushPlatform.APNS_VOIP, "ab".repeat(32), null, T0)) : List.of();
        }
        public dev.calling.core.push.Device register(dev.calling.core.push.Device device) { throw new UnsupportedOperationException(); }
        public boolean remove(String userId, String deviceId) { return false; }
        public boolean removeIfToken(String userId, String deviceId, String token) { return false; }
        public Optional<dev.calling.core.push.Device> find(String userId, String deviceId) { return Optional.empty(); }
    };
    final CallStateManager pushing = new CallStateManager(calls, sessions,
            new CatalogueRouter(new ProviderRouting(), userId -> switch (userId) {
                case "alice" -> new Subscriber("alice", Optional.empty(), RoutingPlan.withPstn(List.of()));
                case "carl" -> new Subscriber("carl", Optional.of(dev.calling.core.routing.PhoneNumber.parse("+447400123456")),
                        RoutingPlan.voipOnly());
                default -> Subscriber.appOnly(userId);
            }, catalogue), catalogue, authoriser,
            new CommandPorts(recordingSwitch, carriers, timers, billing, pushes, PartyNotifier.NONE),
            new CallStateMachine(CallStateMachine.Timing.withRingTimeout(Duration.ofSeconds(45))),
            Clock.fixed(T0, ZoneOffset.UTC), carlsIphone);

    @Test
    void aPushThatCannotBeHandedOverNeverHoldsTheCallsStateChangeAndGoesOutOnTheRedelivery() {
        pushesDown = true;
        CallRequested request = new CallRequested("r", "q1", T0, "alice", "a1", "carl");

        assertThatThrownBy(() -> pushing.handle(request)).isInstanceOf(CallStateManager.CommandsFailed.class);

        assertThat(calls.byId.get("q1").state()).isEqualTo(CallState.RINGING);
        assertThat(issued).contains(new CallCommand.ScheduleRingTimeout("q1", T0.plusSeconds(45)),
                new CallCommand.ScheduleFallback("q1", T0.plusSeconds(15)));
        assertThat(issued).anyMatch(CallCommand.RingCallee.class::isInstance);
        assertThat(pushed).isEmpty();
        pushesDown = false;
        assertThat(pushing.handle(request).kind()).isEqualTo(Outcome.Kind.DUPLICATE);
        assertThat(pushed).extracting(CallCommand.PushCallee::kind).containsExactly(dev.calling.core.push.PushKind.RING);
    }

    @Test
    void atThePushWindowsEndTheCalleesPhoneIsRoutedAuthorisedAndDialledOnce() {
        pushing.handle(new CallRequested("r", "q2", T0, "alice", "a1", "carl"));
        assertThat(authorised).as("an app call is not authorised").isEmpty();
        issued.clear();
        CallEvent.FallbackDue due = CallEvent.FallbackDue.of("q2", T0.plusSeconds(15));

        Outcome fell = pushing.handle(due);
        Outcome again = pushing.handle(due);

        assertThat(fell.kind()).isEqualTo(Outcome.Kind.APPLIED);
        assertThat(again.kind()).isEqualTo(Outcome.Kind.DUPLICATE);
        assertThat(authorised).containsExactly("q2");
        assertThat(calls.byId.get("q2").route()).isEqualTo(RouteKind.PSTN);
        assertThat(issued).filteredOn(CallCommand.DialNumber.class::isInstance).hasSize(2) // the duplicate again
                .allMatch(c -> ((CallCommand.DialNumber) c).providerId().equals("alpha")
                        && ((CallCommand.DialNumber) c).attempt() == 2);
        assertThat(feedback).contains("started alpha");
    }

    static final class MemoryCalls implements CallStore {
        final Map<String, Call> byId = new HashMap<>();
        int writes;
        int failNextUpdates;

        public Optional<Call> find(String callId) {
            return Optional.ofNullable(byId.get(callId));
        }

        public boolean create(Call call) {
            writes++;
            return byId.putIfAbsent(call.callId(), call) == null;
        }

        public boolean update(Call call, long expectedVersion) {
            writes++;
            if (failNextUpdates > 0) {
                failNextUpdates--;
                return false;
            }
            if (byId.get(call.callId()).version() != expectedVersion) {
                return false;
            }
            byId.put(call.callId(), call);
            return true;
        }

        public void closeOut(String callId) {
            closedOut.add(callId);
        }

        final java.util.Set<String> closedOut = new java.util.HashSet<>();
    }
}
