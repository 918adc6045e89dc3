package dev.calling.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.call.Outcome;
import dev.calling.core.call.Party;
import dev.calling.core.routing.Route;
import dev.calling.core.session.Connection;
import dev.calling.core.session.ConnectionState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The DynamoDB stores' conditional writes on LocalStack, as functions/embedded-aws checks them on
 * dynalite: the same contracts must hold on both emulators (and in AWS).
 */
@Testcontainers(disabledWithoutDocker = true)
class StoresOnLocalStackTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static DynamoDbClient dynamoDb;
    static DynamoDbSessionStore sessions;
    static DynamoDbCallStore calls;
    static DynamoDbCarrierLegs legs;

    @BeforeAll
    static void start() {
        dynamoDb = LocalStack.clients().dynamoDb();
        sessions = new DynamoDbSessionStore(dynamoDb, Resources.SESSIONS.name());
        calls = new DynamoDbCallStore(dynamoDb, Resources.CALLS.name());
        legs = new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), Clock.fixed(T0, ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        if (dynamoDb != null) {
            dynamoDb.close();
        }
    }

    static Connection open(String user, String session, String connection, Instant at) {
        return new Connection(user, session, connection, ConnectionState.OPEN, at, at, at.plusSeconds(90));
    }

    @Test
    void connectionIsOpenedOnceExtendedForwardAndNotRevivedAfterClose() {
        assertThat(sessions.open(open("ls-u1", "phone", "ls-u1-c1", T0))).isTrue();
        assertThat(sessions.open(open("ls-u1", "phone", "ls-u1-c1", T0))).as("duplicate").isFalse();
        assertThat(sessions.heartbeat("ls-u1", "ls-u1-c1", T0.plusSeconds(30), T0.plusSeconds(120))).isTrue();
        assertThat(sessions.heartbeat("ls-u1", "ls-u1-c1", T0.plusSeconds(10), T0.plusSeconds(100))).as("older").isFalse();
        assertThat(sessions.sessionsOf("ls-u1").liveConnectionIds(T0.plusSeconds(110))).containsExactly("ls-u1-c1");

        sessions.close("ls-u1", "ls-u1-c1", T0.plusSeconds(40), T0.plusSeconds(86_400));
        assertThat(sessions.open(open("ls-u1", "phone", "ls-u1-c1", T0))).as("late open").isFalse();
        assertThat(sessions.sessionsOf("ls-u1").liveConnectionIds(T0.plusSeconds(41))).isEmpty();
    }

    @Test
    void callRecordRoundTripsAndWritesAreConditionalOnItsVersion() {
        CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));
        Outcome started = machine.start(new CallEvent.CallRequested("r", "ls-call", T0, "alice", "a1", "bob"),
                List.of("a1"), new Route.Voip(List.of("b1"), List.of()));
        Call ringing = started.call();

        assertThat(calls.create(ringing)).isTrue();
        assertThat(calls.create(ringing)).as("second create").isFalse();
        Outcome hungUp = machine.apply(ringing, new CallEvent.CallHungUp("h", "ls-call", T0.plusSeconds(9), 1, 3,
                Party.CALLER));
        assertThat(calls.update(hungUp.call(), ringing.version())).isTrue();
        assertThat(calls.update(hungUp.call(), ringing.version())).as("stale version").isFalse();
        assertThat(calls.find("ls-call")).contains(hungUp.call());
    }

    @Test
    void carrierLegIsFoundFromBothSides() {
        legs.register("ls-legs", 1, "chime", "tx-ls");
        legs.register("ls-legs", 1, "chime", "tx-ls");

        assertThat(legs.byCall("ls-legs", 1)).get().extracting(CarrierLeg::carrierLegId).isEqualTo("tx-ls");
        assertThat(legs.byCarrierLeg("chime", "tx-ls")).get().extracting(CarrierLeg::callId).isEqualTo("ls-legs");
    }
}
