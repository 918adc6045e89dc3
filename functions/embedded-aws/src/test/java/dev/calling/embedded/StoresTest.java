package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.routing.DynamoDbCarrierCatalogue;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.CarrierStatus;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.RateDeck;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.Charging;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.call.Outcome;
import dev.calling.core.call.Party;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.Route;
import dev.calling.core.session.Connection;
import dev.calling.core.session.ConnectionState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The DynamoDB adapters against dynalite: their conditional writes keep the contracts of the ports. */
class StoresTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static DynamoDbSessionStore sessions;
    static DynamoDbCallStore calls;
    static DynamoDbCarrierLegs legs;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sessions = new DynamoDbSessionStore(dynamoDb, Resources.SESSIONS.name());
        calls = new DynamoDbCallStore(dynamoDb, Resources.CALLS.name());
        legs = new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), Clock.fixed(T0, ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        aws.close();
    }

    static Connection open(String user, String session, String connection, Instant at) {
        return new Connection(user, session, connection, ConnectionState.OPEN, at, at, at.plusSeconds(90));
    }

    @Test
    void openIsRecordedOnceAndFoundByUserAndByConnection() {
        assertThat(sessions.open(open("u1", "phone", "u1-c1", T0))).isTrue();
        assertThat(sessions.open(open("u1", "phone", "u1-c1", T0))).as("duplicate").isFalse();
        assertThat(sessions.open(open("u1", "laptop", "u1-c2", T0))).isTrue();

        assertThat(sessions.sessionsOf("u1").liveConnectionIds(T0.plusSeconds(1))).containsExactly("u1-c2", "u1-c1");
        // by connection id: a GSI query, eventually consistent (in dynalite too, under load)
        java.util.Optional<Connection> found = java.util.Optional.empty();
        for (int i = 0; i < 50 && found.isEmpty(); i++) {
            found = sessions.connection("u1-c1");
            if (found.isEmpty()) {
                sleep(100);
            }
        }
        assertThat(found).get().extracting(Connection::userId, Connection::sessionId).containsExactly("u1", "phone");
    }

    @Test
    void heartbeatExtendsOnlyForwardAndOnlyOpenConnections() {
        sessions.open(open("u2", "s", "u2-c1", T0));

        assertThat(sessions.heartbeat("u2", "u2-c1", T0.plusSeconds(30), T0.plusSeconds(120))).isTrue();
        assertThat(sessions.heartbeat("u2", "u2-c1", T0.plusSeconds(10), T0.plusSeconds(100))).as("older").isFalse();
        assertThat(sessions.sessionsOf("u2").liveConnectionIds(T0.plusSeconds(110))).containsExactly("u2-c1");
        assertThat(sessions.heartbeat("u2", "nope", T0.plusSeconds(30), T0.plusSeconds(120))).as("unknown").isFalse();
    }

    @Test
    void silentConnectionIsNotLiveAfterItsExpiry() {
        sessions.open(open("u3", "s", "u3-c1", T0));

        assertThat(sessions.sessionsOf("u3").liveConnectionIds(T0.plusSeconds(91))).isEmpty();
    }

    @Test
    void lateOpenAfterCloseDoesNotBringTheConnectionBack() {
        sessions.open(open("u4", "s", "u4-c1", T0));
        sessions.close("u4", "u4-c1", T0.plusSeconds(5), T0.plusSeconds(86_400));
        sessions.close("u4", "u4-c1", T0.plusSeconds(6), T0.plusSeconds(86_400)); // duplicate

        assertThat(sessions.open(open("u4", "s", "u4-c1", T0))).isFalse();
        assertThat(sessions.heartbeat("u4", "u4-c1", T0.plusSeconds(7), T0.plusSeconds(97))).isFalse();
        assertThat(sessions.sessionsOf("u4").liveConnectionIds(T0.plusSeconds(8))).isEmpty();
        assertThat(sessions.connection("u4-c1")).get().extracting(Connection::state).isEqualTo(ConnectionState.CLOSED);
    }

    @Test
    void closeBeforeOpenLeavesATombstoneThatRefusesTheOpen() {
        sessions.close("u5", "u5-c1", T0.plusSeconds(5), T0.plusSeconds(86_400));

        assertThat(sessions.open(open("u5", "s", "u5-c1", T0))).isFalse();
        assertThat(sessions.sessionsOf("u5").liveConnectionIds(T0.plusSeconds(6))).isEmpty();
    }

    @Test
    void callRecordRoundTripsAndWritesAreConditional() {
        CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));
        Outcome started = machine.start(new CallEvent.CallRequested("r", "call-x", T0, "alice", "a1", "bob"),
                List.of("a1"), new Route.Voip(List.of("b1", "b2"), List.of()));
        Call ringing = started.call();

        assertThat(calls.create(ringing)).isTrue();
        assertThat(calls.create(ringing)).as("second create").isFalse();
        assertThat(calls.find("call-x")).contains(ringing);

        Outcome deferred = machine.apply(ringing, new CallEvent.CallHungUp("h", "call-x", T0.plusSeconds(9), 1, 3, Party.CALLER));
        assertThat(calls.update(deferred.call(), ringing.version())).isTrue();
        assertThat(calls.update(deferred.call(), ringing.version())).as("stale version").isFalse();
        assertThat(calls.find("call-x")).contains(deferred.call());
        assertThat(calls.find("nope")).isEmpty();
    }

    @Test
    void pstnCallRecordWithAttemptsRoundTrips() {
        CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));
        Rate rate = new Rate("44", Money.of("0.01", "USD"), Money.of("0", "USD"), BillingIncrement.PER_MINUTE,
                LocalDate.of(2026, 1, 1));
        Call dialling = machine.start(new CallEvent.CallRequested("r", "call-p", T0, "alice", "a1", null, "+447400123456"),
                List.of("a1"), new Route.Pstn(PhoneNumber.parse("+447400123456"),
                        List.of(new Route.ProviderOption("alpha", rate), new Route.ProviderOption("bravo", rate)))).call();
        Call failedOver = machine.apply(dialling,
                new CallEvent.CallFailed("f", "call-p", T0.plusSeconds(2), 1, 1, 503, "unavailable")).call();

        assertThat(calls.create(failedOver)).isTrue();
        assertThat(calls.find("call-p")).contains(failedOver);
        assertThat(failedOver.attempts()).hasSize(2);
    }

    @Test
    void chargedCallWithItsTermsAndEndedOutboxRoundTrips() {
        CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));
        Rate cost = new Rate("44", Money.of("0.012", "USD"), Money.of("0", "USD"), BillingIncrement.PER_SECOND,
                LocalDate.of(2026, 1, 1));
        Charging terms = new Charging(new Rate("447", Money.of("0.09", "USD"), Money.of("0.05", "USD"),
                BillingIncrement.THIRTY_SIX, LocalDate.of(2026, 1, 1)), Money.of("2.75", "USD"), 1800);
        Call dialling = machine.start(new CallEvent.CallRequested("r", "call-c", T0, "alice", "a1", null, "+447400123456"),
                List.of("a1"), new Route.Pstn(PhoneNumber.parse("+447400123456"),
                        List.of(new Route.ProviderOption("alpha", cost))), terms).call();
        Call connected = machine.apply(dialling, new CallEvent.CallAnswered("a", "call-c", T0.plusSeconds(3), 1, 1, "leg"))
                .call();
        Call ended = machine.apply(connected, CallEvent.CallTimeLimitReached.of("call-c", T0.plusSeconds(1803))).call();

        assertThat(calls.create(ended)).isTrue();
        Call stored = calls.find("call-c").orElseThrow();
        assertThat(stored).isEqualTo(ended);
        assertThat(stored.charging()).isEqualTo(terms);
        assertThat(stored.outbox()).anyMatch(c -> c instanceof CallCommand.ChargeCall charge
                && charge.record().retail().equals(Money.of("2.75", "USD")));
    }

    @Test
    void carrierLegIsFoundFromBothSidesAndRegisteringTwiceChangesNothing() {
        legs.register("call-legs-1", 1, "chime", "tx-1");
        legs.register("call-legs-1", 1, "chime", "tx-1");

        assertThat(legs.byCall("call-legs-1", 1)).get().extracting(CarrierLeg::carrierLegId).isEqualTo("tx-1");
        assertThat(legs.byCarrierLeg("chime", "tx-1")).get().extracting(CarrierLeg::callId, CarrierLeg::attempt)
                .containsExactly("call-legs-1", 1);
        assertThat(legs.byCall("call-legs-1", 2)).isEmpty();
        assertThatThrownBy(() -> legs.register("call-legs-1", 1, "chime", "tx-other"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("tx-1");
    }

    @Test
    void carrierReportsAreNumberedWithoutGapsAndDuplicatesAreRecognised() {
        legs.register("call-legs-2", 1, "chime", "tx-2");
        CarrierLeg fresh = legs.byCarrierLeg("chime", "tx-2").orElseThrow();
        assertThat(fresh.switchSequenceFor(1)).hasValue(1);

        assertThat(legs.advance(fresh, 1, false)).as("report 1 issues no event").isTrue();
        CarrierLeg afterOne = legs.byCarrierLeg("chime", "tx-2").orElseThrow();
        assertThat(afterOne.switchSequenceFor(1)).as("duplicate of report 1").isEmpty();
        assertThat(afterOne.switchSequenceFor(2)).hasValue(1);

        assertThat(legs.advance(afterOne, 2, true)).isTrue();
        assertThat(legs.advance(afterOne, 2, true)).as("a concurrent duplicate loses the race").isFalse();
        CarrierLeg afterTwo = legs.byCarrierLeg("chime", "tx-2").orElseThrow();
        assertThat(afterTwo.switchSequenceFor(3)).hasValue(2);
        assertThat(afterTwo.reportsIssued()).isEqualTo(1);
    }

    static DynamoDbCarrierCatalogue catalogue(ProviderHealth.Policy policy, String... ids) {
        List<Provider> providers = java.util.Arrays.stream(ids)
                .map(id -> new Provider(id, ProviderKind.PSTN, RateDeck.of(List.of()), 10, true, 50)).toList();
        return new DynamoDbCarrierCatalogue(dynamoDb, Resources.CARRIER_HEALTH.name(), providers, policy);
    }

    static CarrierStatus status(DynamoDbCarrierCatalogue catalogue, String id, Instant now) {
        return catalogue.carriers(now).stream().filter(c -> c.provider().id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void carrierHealthIsSharedBetweenContainersAndItsBreakerOpensAndProbesBackIn() {
        ProviderHealth.Policy policy = new ProviderHealth.Policy(10, 3, 0.5, Duration.ofSeconds(30));
        DynamoDbCarrierCatalogue containerA = catalogue(policy, "shared-1", "shared-2");
        DynamoDbCarrierCatalogue containerB = catalogue(policy, "shared-1", "shared-2");
        assertThat(status(containerB, "shared-1", T0).health().attempts()).as("never seen").isZero();

        for (int i = 0; i < 3; i++) {
            containerA.attemptStarted("shared-1", T0);
            containerA.attemptEnded("shared-1", AttemptOutcome.CARRIER_FAILURE, T0);
        }
        containerA.attemptStarted("shared-2", T0);

        CarrierStatus failing = status(containerB, "shared-1", T0.plusSeconds(1));
        assertThat(failing.health().allowsAttempt(T0.plusSeconds(1))).as("open breaker seen by the other container").isFalse();
        assertThat(failing.activeCalls()).isZero();
        assertThat(status(containerB, "shared-2", T0).activeCalls()).isEqualTo(1);

        Instant later = T0.plusSeconds(31);
        assertThat(status(containerB, "shared-1", later).health().allowsAttempt(later)).as("half-open").isTrue();
        containerB.attemptStarted("shared-1", later);
        assertThat(status(containerA, "shared-1", later).health().allowsAttempt(later)).as("one probe at a time").isFalse();
        containerB.attemptEnded("shared-1", AttemptOutcome.ANSWERED, later.plusSeconds(5));
        assertThat(containerA.health("shared-1").breaker(later.plusSeconds(5))).isEqualTo(ProviderHealth.Breaker.CLOSED);
    }

    @Test
    void concurrentAttemptReportsAreAllCounted() throws Exception {
        DynamoDbCarrierCatalogue catalogue = catalogue(new ProviderHealth.Policy(100, 50, 0.5, Duration.ofSeconds(30)),
                "busy-carrier");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<?>> reports = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            reports.add(pool.submit(() -> catalogue.attemptStarted("busy-carrier", T0)));
        }
        for (var report : reports) {
            report.get();
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(status(catalogue, "busy-carrier", T0).activeCalls()).isEqualTo(20);

        ExecutorService enders = Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<?>> ends = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ends.add(enders.submit(() -> catalogue.attemptEnded("busy-carrier", AttemptOutcome.CALLEE_BUSY, T0)));
        }
        for (var end : ends) {
            end.get();
        }
        enders.shutdown();
        CarrierStatus after = status(catalogue, "busy-carrier", T0);
        assertThat(after.activeCalls()).isEqualTo(8);
        assertThat(after.health().recentOutcomes()).hasSize(12).containsOnly(AttemptOutcome.CALLEE_BUSY);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
