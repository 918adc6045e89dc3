package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.core.abuse.LimitAlerts;
import dev.calling.core.call.Call;
import dev.calling.core.call.EndReason;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.PricePlan;
import dev.calling.core.money.Money;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.adapters.auth.DevTokenIssuer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-user limits through the real HTTP API, queues and tables (issue 18): call attempts per minute (429 at
 * the API), PSTN calls in progress at once and the daily spend cap (checked in the account's reservation write),
 * and high-risk destinations. Every refusal ends the call before anything rings: no carrier attempt, no
 * reservation.
 */
class LimitsIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final Currency USD = Currency.getInstance("USD");
    /** Attempts a minute in this system: high, so that the burst below reaches the call state manager. */
    static final int ATTEMPTS = 2_000;

    static LocalSystem system;
    static DevTokenIssuer tokens;
    static LocalApps apps;
    /** A second system as deployed by default (10 attempts a minute), whose plan caps a day's spend at 3.00 USD. */
    static LocalSystem capped;
    static LocalApps cappedApps;
    static final List<String> CALLERS = List.of("burst", "capped", "screened", "allowed");

    @BeforeAll
    static void start() {
        tokens = DevTokenIssuer.generate();
        PricePlan plan = UkPerSecond.plan();
        Provider carrier = UkPerSecond.carrier(1000);
        List<Subscriber> subscribers = new ArrayList<>();
        for (String caller : CALLERS) {
            RoutingPlan pstn = RoutingPlan.withPstn(List.of());
            subscribers.add(new Subscriber(caller, Optional.empty(),
                    caller.equals("allowed") ? pstn.withHighRiskAllowed(true) : pstn));
        }
        LocalSystem.Settings settings = LocalSystem.Settings.defaults().withRingTimeout(Duration.ofSeconds(20))
                .withRetryAfter(Duration.ofSeconds(1)).withApi(new LocalSystem.Api(0, 0, tokens))
                .withPstn(subscribers, List.of(carrier), ProviderHealth.Policy.defaults());
        system = LocalSystem.start(settings.withCharging(plan, Duration.ofMinutes(10))
                .withLimits(LocalSystem.Limits.DEFAULTS.withCallAttemptsPerMinute(ATTEMPTS)));
        apps = new LocalApps(system, tokens, WAIT);
        capped = LocalSystem.start(settings.withCharging(plan.withDailySpendCap(Money.of("3.00", "USD")),
                Duration.ofMinutes(10)));
        cappedApps = new LocalApps(capped, tokens, WAIT);
    }

    @AfterAll
    static void stop() {
        apps.close();
        system.close();
        cappedApps.close();
        capped.close();
    }

    static String dial(AppClient app, String number, int expectedStatus) {
        var placed = app.post("/v1/calls", "{\"phoneNumber\":\"" + number + "\"}", "Idempotency-Key",
                UUID.randomUUID().toString());
        assertThat(placed.status()).as(placed.body().toString()).isEqualTo(expectedStatus);
        return placed.body().path("callId").asText();
    }

    static List<LedgerEntry> ledger(String user, LedgerEntry.Kind kind) {
        return system.accounts().ledger(user).stream().filter(e -> e.kind() == kind).toList();
    }

    /**
     * Simultaneous dials in the burst: 200 in {@code ./mvnw verify} (50 at a time, as many as the full burst keeps in
     * flight, so the races are the same); the full thousand, about a minute more on 2 cores, with
     * {@code -Dcalling.test.burst-dials=1000} (docs/benchmarks.md, "Long runs").
     */
    static final int BURST_DIALS = Integer.getInteger("calling.test.burst-dials", 200);

    @Test
    void aBurstOfSimultaneousDialsFromOneUserNeverHoldsMoneyForMoreThanTwoCallsAndTheHoldsComeBackToZero()
            throws Exception {
        String caller = "burst";
        system.accounts().topUp(caller, "burst-top-up", Money.of("100.00", "USD"), Instant.now());
        String number = "+442079460001";
        system.simulatedSwitch().phoneLine(number, RingResponse.answerAfter(Duration.ofMillis(500),
                Duration.ofSeconds(3)));
        apps.online(caller);
        AppClient app = apps.app(caller);

        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<Future<String>> dials = new ArrayList<>();
        Set<String> refusedCalls = new HashSet<>();
        try {
            for (int i = 0; i < BURST_DIALS; i++) {
                dials.add(pool.submit(() -> dial(app, number, 202)));
            }
            List<String> callIds = new ArrayList<>();
            for (Future<String> dial : dials) {
                callIds.add(dial.get());
            }

            Map<EndReason, Integer> ended = new HashMap<>();
            for (String callId : callIds) {
                Call call = system.awaitEnded(callId, WAIT);
                ended.merge(call.endReason(), 1, Integer::sum);
                if (call.endReason() == EndReason.TOO_MANY_CALLS) {
                    refusedCalls.add(callId);
                }
                if (call.endReason() == EndReason.TOO_MANY_CALLS) {
                    assertThat(call.attempts()).as("refused before any carrier").isEmpty();
                }
            }
            assertThat(ended.getOrDefault(EndReason.TOO_MANY_CALLS, 0)).as(ended.toString()).isGreaterThan(BURST_DIALS / 2);
            assertThat(ended.getOrDefault(EndReason.COMPLETED, 0)).as(ended.toString()).isPositive();
        } finally {
            pool.shutdownNow();
        }

        // The ledger is the account's total order of money movements: replaying it, no more than two calls ever
        // held money at the same time, and none holds any now.
        Set<String> holding = new HashSet<>();
        int most = 0;
        Set<String> reservedCalls = new HashSet<>();
        for (LedgerEntry entry : system.accounts().ledger(caller)) {
            switch (entry.kind()) {
                case RESERVATION -> {
                    holding.add(entry.reference());
                    reservedCalls.add(entry.reference());
                }
                case SETTLEMENT, RELEASE -> holding.remove(entry.reference());
                default -> { }
            }
            most = Math.max(most, holding.size());
        }
        assertThat(most).as("calls holding money at once").isBetween(1, 2);
        assertThat(holding).as("holds left").isEmpty();
        assertThat(system.accounts().account(caller, USD).reserved()).isEqualTo(Money.zero(USD));
        assertThat(reservedCalls).as("only the calls that rang reserved").allSatisfy(callId ->
                assertThat(system.call(callId).orElseThrow().endReason()).isNotEqualTo(EndReason.TOO_MANY_CALLS));
        // Each alert is raised after its refused call is written: wait for the last ones.
        LocalSystem.awaitCondition(WAIT, () -> system.limitAlerts().stream().map(LimitAlerts.Alert::callId)
                .collect(java.util.stream.Collectors.toSet()).containsAll(refusedCalls), "an alert for each call refused");
        assertThat(system.limitAlerts()).filteredOn(alert -> alert.userId().equals(caller))
                .extracting(LimitAlerts.Alert::callId).as("an alert for each call refused, for no other")
                .isSubsetOf(refusedCalls).containsAll(refusedCalls);
    }

    @Test
    void theDailySpendCapBoundsAReservationAndRefusesTheNextCallWhileTheFirstHoldsTheRest() {
        String caller = "capped";
        capped.accounts().topUp(caller, "capped-top-up", Money.of("50.00", "USD"), Instant.now());
        String number = "+442079460002";
        capped.simulatedSwitch().phoneLine(number, RingResponse.answerAfter(Duration.ofMillis(300),
                Duration.ofSeconds(4)));
        cappedApps.online(caller);
        AppClient app = cappedApps.app(caller);

        String first = dial(app, number, 202);
        LocalSystem.awaitCondition(WAIT, () -> capped.call(first).map(c -> c.charging() != null).orElse(false),
                "the first call's reservation");
        Call holding = capped.call(first).orElseThrow();
        assertThat(holding.charging().reserved()).as("the cap, not 10 minutes' 6.00").isEqualTo(Money.of("3.00", "USD"));
        String second = dial(app, number, 202);

        Call refused = capped.awaitEnded(second, WAIT);
        assertThat(refused.endReason()).isEqualTo(EndReason.SPEND_LIMIT_REACHED);
        assertThat(refused.attempts()).isEmpty();
        assertThat(refused.timeline()).anyMatch(line -> line.detail().contains("daily cap of 3.00 USD"));
        // The alert is raised after the refused call is written: wait for it, as for the call.
        LocalSystem.awaitCondition(WAIT, () -> capped.limitAlerts().stream().anyMatch(a -> second.equals(a.callId())),
                "the daily-spend alert of the refused call");
        assertThat(capped.limitAlerts()).anySatisfy(alert -> {
            assertThat(alert.limit()).isEqualTo(LimitAlerts.Limit.DAILY_SPEND);
            assertThat(alert.callId()).isEqualTo(second);
        });
        assertThat(capped.awaitEnded(first, WAIT).endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(capped.accounts().ledger(caller).stream().filter(e -> e.kind() == LedgerEntry.Kind.RESERVATION).toList()).singleElement()
                .extracting(LedgerEntry::reference).isEqualTo(first);
    }

    @Test
    void aPremiumRateNumberIsRefusedUnlessTheCallerIsAllowListed() {
        String premium = "+449098790000";
        system.simulatedSwitch().phoneLine(premium, RingResponse.answerAfter(Duration.ofMillis(300),
                Duration.ofSeconds(1)));
        for (String caller : List.of("screened", "allowed")) {
            system.accounts().topUp(caller, caller + "-top-up", Money.of("20.00", "USD"), Instant.now());
            apps.online(caller);
        }

        Call screened = system.awaitEnded(dial(apps.app("screened"), premium, 202), WAIT);
        assertThat(screened.endReason()).isEqualTo(EndReason.HIGH_RISK_DESTINATION);
        assertThat(screened.attempts()).isEmpty();
        assertThat(screened.timeline()).anyMatch(line -> line.detail().contains("premium-rate"));
        // The alert is raised after the refused call is written: wait for it, as for the call.
        LocalSystem.awaitCondition(WAIT, () -> system.limitAlerts().stream().anyMatch(a -> screened.callId().equals(a.callId())),
                "the high-risk alert of the refused call");
        assertThat(system.limitAlerts()).anySatisfy(alert -> {
            assertThat(alert.limit()).isEqualTo(LimitAlerts.Limit.HIGH_RISK_DESTINATION);
            assertThat(alert.callId()).isEqualTo(screened.callId());
        });
        assertThat(system.accounts().ledger("screened")).noneMatch(e -> e.kind() == LedgerEntry.Kind.RESERVATION);

        Call allowed = system.awaitEnded(dial(apps.app("allowed"), premium, 202), WAIT);
        assertThat(allowed.endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(allowed.attempts()).hasSize(1);
    }

    @Test
    void theEleventhCallOfAMinuteIsRefusedAtTheApiWithRetryAfterAndNothingWritten() {
        String caller = LocalApps.user("dialler");
        String callee = LocalApps.user("callee");
        cappedApps.online(caller);
        AppClient app = cappedApps.app(caller);
        long firstMinute = Instant.now().toEpochMilli() / 60_000;
        List<AppClient.Reply> replies = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            replies.add(app.post("/v1/calls", "{\"calleeUserId\":\"" + callee + "\"}", "Idempotency-Key",
                    UUID.randomUUID().toString()));
        }
        long minutes = Instant.now().toEpochMilli() / 60_000 - firstMinute + 1; // 1, or 2 across a minute's end

        List<String> accepted = replies.stream().filter(r -> r.status() == 202).map(r -> r.body().path("callId").asText())
                .toList();
        List<AppClient.Reply> refused = replies.stream().filter(r -> r.status() == 429).toList();
        assertThat(accepted.size() + refused.size()).isEqualTo(15);
        if (minutes == 1) {
            assertThat(accepted).hasSize(10);
        } else {
            assertThat(accepted.size()).isBetween(10, 15);
        }
        assertThat(capped.limitAlerts()).filteredOn(alert -> alert.userId().equals(caller))
                .extracting(LimitAlerts.Alert::limit).hasSize(refused.size()).containsOnly(LimitAlerts.Limit.CALL_ATTEMPTS);
        assertThat(refused).isNotEmpty().allSatisfy(reply -> {
            assertThat(reply.contentType()).startsWith("application/problem+json");
            assertThat(reply.problemType()).isEqualTo("too-many-call-attempts");
            assertThat(Integer.parseInt(reply.raw().headers().firstValue("Retry-After").orElseThrow()))
                    .isBetween(1, 60);
        });
        try (var dynamoDb = capped.aws().clients().dynamoDb()) {
            List<String> stored = dynamoDb.scan(r -> r.tableName(Resources.CALL_REQUESTS.name())).items().stream()
                    .filter(item -> item.get("callerUserId").s().equals(caller)).map(item -> item.get("callId").s())
                    .toList();
            assertThat(stored).as("only the accepted calls were stored").containsExactlyInAnyOrderElementsOf(accepted);
        }
    }
}
