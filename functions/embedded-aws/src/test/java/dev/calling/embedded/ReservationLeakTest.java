package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.call.CallRouter;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.call.CallStateManager;
import dev.calling.core.call.CallStore;
import dev.calling.core.call.CommandPorts;
import dev.calling.core.call.EndReason;
import dev.calling.core.charging.PrepaidAuthoriser;
import dev.calling.core.charging.PrepaidBilling;
import dev.calling.core.charging.PricePlan;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.CarrierCatalogue;
import dev.calling.core.routing.CarrierStatus;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.Route;
import dev.calling.core.session.Connection;
import dev.calling.core.session.ConnectionState;
import dev.calling.core.session.SessionDirectory;
import dev.calling.core.session.UserSessions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Defect: the call state manager reserves money before it creates the call record; if the create
 * fails and the redelivered request is routed otherwise (the callee came online: VoIP), the call ends
 * uncharged and the reservation used to stay held for good.
 */
class ReservationLeakTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    static final Rate RATE = new Rate("4", Money.of("0.60", "USD"), Money.of("0", "USD"), BillingIncrement.PER_MINUTE,
            LocalDate.of(2020, 1, 1));
    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    @Test
    void aRequestReservedForThenRoutedToVoipOnItsRedeliveryGivesTheMoneyBack() {
        DynamoDbAccounts accounts = new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name());
        accounts.topUp("leak-ann", "t1", Money.of("72.00", "USD"), T0);
        DynamoDbCallStore stored = new DynamoDbCallStore(dynamoDb, Resources.CALLS.name());
        AtomicInteger creates = new AtomicInteger();
        CallStore crashingOnce = new CallStore() {
            public Optional<Call> find(String callId) { return stored.find(callId); }
            public boolean create(Call call) {
                if (creates.incrementAndGet() == 1) {
                    throw new IllegalStateException("the function died before the record was written");
                }
                return stored.create(call);
            }
            public boolean update(Call call, long expectedVersion) { return stored.update(call, expectedVersion); }
            public void closeOut(String callId) { stored.closeOut(callId); }
        };
        AtomicInteger routings = new AtomicInteger();
        CallRouter calleeComesOnline = (request, calleeLive, calleeDevices, now) -> routings.incrementAndGet() == 1
                ? new Route.Pstn(PhoneNumber.parse("+447400123456"), List.of(new Route.ProviderOption("alpha", RATE)))
                : new Route.Voip(List.of("ben-1"), List.of());
        SessionDirectory sessions = new SessionDirectory() {
            public UserSessions sessionsOf(String userId) {
                return UserSessions.of(userId, List.of(new Connection(userId, "s", userId + "-1", ConnectionState.OPEN,
                        T0, T0, T0.plusSeconds(600))));
            }
            public Optional<Connection> connection(String connectionId) { return Optional.empty(); }
        };
        CarrierCatalogue noFeedback = new CarrierCatalogue() {
            public List<CarrierStatus> carriers(Instant now) { return List.of(); }
            public void attemptStarted(String providerId, Instant at) {}
            public void attemptEnded(String providerId, dev.calling.core.routing.AttemptOutcome o, Instant at) {}
        };
        PricePlan plan = PricePlan.flat("flat", Currency.getInstance("USD"), RateDeck.of(List.of(RATE)));
        CallStateManager manager = new CallStateManager(crashingOnce, sessions, calleeComesOnline, noFeedback,
                new PrepaidAuthoriser(user -> plan, accounts, Duration.ofHours(2)),
                new CommandPorts(switchCommandsIgnored(), carriersIgnored(), timer -> {},
                        new PrepaidBilling(accounts, new DynamoDbCallDetailRecords(dynamoDb,
                                Resources.CALL_DETAIL_RECORDS.name()))),
                new CallStateMachine(Duration.ofSeconds(45)), Clock.fixed(T0, ZoneOffset.UTC));
        CallRequested request = new CallRequested("r", "leak-1", T0, "leak-ann", "leak-ann-1", "ben");

        assertThatThrownBy(() -> manager.handle(request)).hasMessageContaining("died");
        assertThat(accounts.account("leak-ann", Currency.getInstance("USD")).reserved()).isEqualTo(Money.of("72.00", "USD"));
        manager.handle(request); // redelivered: now a VoIP call
        manager.handle(new dev.calling.core.call.CallEvent.CallHungUp("h", "leak-1", T0.plusSeconds(3), 0, 0,
                dev.calling.core.call.Party.CALLER));

        assertThat(stored.find("leak-1").orElseThrow().endReason()).isEqualTo(EndReason.CANCELLED);
        assertThat(accounts.account("leak-ann", Currency.getInstance("USD")).reserved()).isEqualTo(Money.of("0", "USD"));
        assertThat(accounts.account("leak-ann", Currency.getInstance("USD")).balance()).isEqualTo(Money.of("72.00", "USD"));
    }

    static dev.calling.core.call.SwitchPort switchCommandsIgnored() {
        return new dev.calling.core.call.SwitchPort() {
            public void ring(dev.calling.core.call.CallCommand.RingCallee c) {}
            public void bridge(dev.calling.core.call.CallCommand.BridgeConnections c) {}
            public void release(dev.calling.core.call.CallCommand.ReleaseConnection c) {}
        };
    }

    static dev.calling.core.call.CarrierPort carriersIgnored() {
        return new dev.calling.core.call.CarrierPort() {
            public void dial(dev.calling.core.call.CallCommand.DialNumber c) {}
            public void bridge(dev.calling.core.call.CallCommand.BridgeToNumber c) {}
            public void hangUp(dev.calling.core.call.CallCommand.HangUpNumber c) {}
            public void check(dev.calling.core.call.CallCommand.CheckNumber c) {}
        };
    }
}
