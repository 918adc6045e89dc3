package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.calling.adapters.Resources;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.adapters.sqs.SqsCallPushes;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.embedded.SnsStub;
import java.time.Instant;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.core.push.PushKind;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.call.RouteKind;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.charging.PricePlan;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Waking a callee's sleeping app, end to end: the apps' API registers the device (devices table), the call
 * state manager routes the call to it and hands the pushes to the {@code call-pushes} queue, the PushSender
 * function sends them through the real SNS SDK client to the local SNS (a stub of its API), which hands them
 * to the phone ({@link PushService}); the woken app connects over the real WebSocket and answers through the
 * real HTTP API.
 *
 * <p>The cases run at once ({@link ExecutionMode#CONCURRENT}): each has its own users, tokens, phone numbers and
 * SNS faults (scripted per token), and four of them wait out the ring timeout, which in series (at 15 s) was a
 * minute of the build.
 */
@Execution(ExecutionMode.CONCURRENT)
class PushCallFlowIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(40);
    /**
     * Room for a woken app's answer (push, WebSocket connect, session live, answer) while the other cases run at
     * once on a loaded 2-core machine; run at once, the ring-outs cost it once, not four times.
     */
    static final Duration RING = Duration.ofSeconds(30);
    static LocalSystem system;
    static DevTokenIssuer tokens;
    static LocalApps apps;

    static final Duration PUSH_WINDOW = Duration.ofSeconds(5);
    static final Currency USD = Currency.getInstance("USD");
    /** Users with a PSTN plan (callers) and with phone numbers (callees), for the fallback after the push window. */
    static final int PAIRS = 3;

    @BeforeAll
    static void start() {
        tokens = DevTokenIssuer.generate();
        PricePlan plan = UkPerSecond.plan();
        Provider carrier = UkPerSecond.carrier(100);
        List<Subscriber> subscribers = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            subscribers.add(new Subscriber("fb-caller-" + i, Optional.empty(), RoutingPlan.withPstn(List.of())));
            subscribers.add(new Subscriber("fb-callee-" + i, Optional.of(PhoneNumber.parse(phoneOf(i))),
                    RoutingPlan.voipOnly()));
        }
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(RING).withPushWindow(PUSH_WINDOW)
                .withRetryAfter(Duration.ofSeconds(1)).withApi(new LocalSystem.Api(0, 0, tokens))
                .withPstn(subscribers, List.of(carrier), ProviderHealth.Policy.defaults())
                .withCharging(plan, Duration.ofMinutes(10)));
        apps = new LocalApps(system, tokens, WAIT);
    }

    static String phoneOf(int pair) {
        return "+44791100000" + pair;
    }

    @AfterAll
    static void stop() {
        apps.close();
        system.close();
    }

    private static SleepingPhone phone(String userId, SleepingPhone.Response response) {
        return SleepingPhone.iPhone(system, tokens, userId, userId + "-iphone", response, line -> {});
    }

    @Test
    void aSleepingAppIsWokenByOneRingPushConnectsAndAnswers() {
        String alice = LocalApps.user("alice");
        String bob = LocalApps.user("bob");
        var aliceOnline = apps.online(alice);
        try (SleepingPhone bobsPhone = phone(bob, SleepingPhone.Response.ANSWER)) {
            String callId = apps.placeCall(apps.app(alice), bob);

            assertThat(system.awaitState(callId, CallState.CONNECTED, WAIT).pushedDeviceIds())
                    .containsExactly(bobsPhone.deviceId());
            aliceOnline.socket().awaitCall(callId, "CONNECTED");
            assertThat(apps.app(alice).post("/v1/calls/" + callId + "/hangup", null).status()).isEqualTo(202);
            assertThat(system.awaitEnded(callId, WAIT).endReason()).isEqualTo(EndReason.COMPLETED);

            await().atMost(WAIT).until(() -> bobsPhone.received("call-cancelled", callId) == 1);
            assertThat(bobsPhone.received("incoming-call", callId)).as("one ring push").isEqualTo(1);
            List<Map<String, String>> rings = system.sns().publishesTo(bobsPhone.voipToken());
            assertThat(rings).hasSize(1);
            Map<String, List<String>> attributes = SnsStub.messageAttributes(rings.get(0));
            assertThat(attributes).containsEntry("AWS.SNS.MOBILE.APNS.PUSH_TYPE", List.of("String", "voip"))
                    .containsEntry("AWS.SNS.MOBILE.APNS.PRIORITY", List.of("String", "10"));
            assertThat(Long.parseLong(attributes.get("AWS.SNS.MOBILE.APNS_VOIP.TTL").get(1)))
                    .isBetween(1L, RING.toSeconds());
            assertThat(bobsPhone.received("missed-call", callId)).isZero();
        }
    }

    @Test
    void theCallerCancellingSendsOneCancelPushAndRedeliveredPushesAreSentOnce() {
        String alice = LocalApps.user("alice");
        String bob = LocalApps.user("bob");
        apps.online(alice);
        try (SleepingPhone bobsPhone = phone(bob, SleepingPhone.Response.IGNORE)) {
            String callId = apps.placeCall(apps.app(alice), bob);
            await().atMost(WAIT).until(() -> bobsPhone.received("incoming-call", callId) == 1);

            assertThat(apps.app(alice).post("/v1/calls/" + callId + "/hangup", null).status()).isEqualTo(202);
            assertThat(system.awaitEnded(callId, WAIT).endReason()).isEqualTo(EndReason.CANCELLED);
            await().atMost(WAIT).until(() -> bobsPhone.received("call-cancelled", callId) == 1);

            // The call state manager's event redelivered (a duplicate reissues its commands) and the push command
            // itself delivered twice more: still one push of each kind to the device.
            system.publisher().publish(new CallEvent.CallHungUp(callId + ":hangup:CALLER", callId, Instant.now(), 0, 0,
                    Party.CALLER));
            var pushes = new SqsCallPushes(system.sqs(), system.aws().queueUrl(Resources.CALL_PUSHES));
            var cancel = new CallCommand.PushCallee(callId, alice, bob, PushKind.CANCEL,
                    List.of(bobsPhone.deviceId()), null);
            pushes.push(cancel);
            pushes.push(cancel);
            awaitQueuesEmpty();
            assertThat(bobsPhone.received("call-cancelled", callId)).isEqualTo(1);
            assertThat(bobsPhone.received("incoming-call", callId)).isEqualTo(1);
            assertThat(bobsPhone.received("missed-call", callId)).isZero();
        }
    }

    @Test
    void anUnansweredPushedCallIsMissedAtItsRingTimeoutWithOneMissedCallNotice() {
        String alice = LocalApps.user("alice");
        String bob = LocalApps.user("bob");
        apps.online(alice);
        try (SleepingPhone bobsPhone = phone(bob, SleepingPhone.Response.IGNORE)) {
            String callId = apps.placeCall(apps.app(alice), bob);

            assertThat(system.awaitEnded(callId, WAIT.plus(RING)).endReason()).isEqualTo(EndReason.MISSED);
            await().atMost(WAIT).until(() -> bobsPhone.received("missed-call", callId) == 1);
            awaitQueuesEmpty();
            assertThat(bobsPhone.received()).extracting(SleepingPhone.Received::type)
                    .containsExactlyInAnyOrder("incoming-call", "call-cancelled", "missed-call"); // one queue message each
            Map<String, String> notice = system.sns().requests("Publish").stream()
                    .filter(p -> p.get("Message").contains("missed-call") && p.get("Message").contains(callId))
                    .findFirst().orElseThrow();
            assertThat(SnsStub.messageAttributes(notice)).containsEntry("AWS.SNS.MOBILE.APNS.PUSH_TYPE",
                    List.of("String", "alert"));
        }
    }

    @Test
    void aTokenTheServiceReportsInvalidRemovesTheDeviceAndTheCallStillEnds() {
        String alice = LocalApps.user("alice");
        String bob = LocalApps.user("bob");
        apps.online(alice);
        try (SleepingPhone bobsPhone = phone(bob, SleepingPhone.Response.ANSWER)) {
            system.sns().refuseToken(bobsPhone.voipToken()); // APNs said the token is no longer valid
            String callId = apps.placeCall(apps.app(alice), bob);

            await().atMost(WAIT).until(() -> system.devices().of(bob).isEmpty());
            assertThat(apps.app(bob).get("/v1/me/devices").body().path("devices")).isEmpty();
            assertThat(system.awaitEnded(callId, WAIT.plus(RING)).endReason()).isEqualTo(EndReason.MISSED);
            assertThat(bobsPhone.received()).isEmpty();

            String next = apps.placeCall(apps.app(alice), bob); // nothing left to wake: unreachable at once
            assertThat(system.awaitEnded(next, WAIT).endReason()).isEqualTo(EndReason.UNREACHABLE);
        }
    }

    @Test
    void anSnsOutageNeverHoldsTheCallAndItsPushesEndInTheDeadLetterQueueNotLost() {
        String alice = LocalApps.user("alice");
        String bob = LocalApps.user("bob");
        apps.online(alice);
        try (SleepingPhone bobsPhone = phone(bob, SleepingPhone.Response.ANSWER)) {
            system.sns().alwaysFailPublish(bobsPhone.voipToken(), 500, "InternalError");
            try {
                String callId = apps.placeCall(apps.app(alice), bob);

                assertThat(system.awaitState(callId, CallState.RINGING, WAIT).pushedDeviceIds())
                        .containsExactly(bobsPhone.deviceId());
                await().atMost(WAIT).until(() -> deadLetters().stream().anyMatch(body -> body.contains(callId)
                        && body.contains("\"RING\"")));
                assertThat(system.awaitEnded(callId, WAIT.plus(RING)).endReason()).isEqualTo(EndReason.MISSED);
                assertThat(bobsPhone.received("incoming-call", callId)).isZero();
                // At least the 3 deliveries of the command before its dead-letter queue, each with the SNS client's 3
                // attempts; on a loaded machine a redelivered call event may issue the command again (more deliveries).
                assertThat(system.sns().publishesTo(bobsPhone.voipToken()))
                        .as("deliveries of the command, each with the SNS client's 3 attempts")
                        .hasSizeGreaterThanOrEqualTo(9).satisfies(publishes -> assertThat(publishes.size() % 3).isZero());
                assertThat(system.devices().of(bob)).as("an outage is not an invalid token").hasSize(1);
            } finally {
                system.sns().heal(bobsPhone.voipToken());
            }
        }
    }

    @Test
    void anAppThatDoesNotAnswerWithinThePushWindowIsFollowedByACallToThePhoneWhichIsAnsweredAndCharged() {
        String caller = "fb-caller-0";
        String callee = "fb-callee-0";
        system.accounts().topUp(caller, caller + "-top-up", Money.of("5.00", "USD"), Instant.now());
        system.simulatedSwitch().phoneLine(phoneOf(0), RingResponse.answerAfter(Duration.ofMillis(300),
                Duration.ofSeconds(2)));
        apps.online(caller);
        try (SleepingPhone phone = phone(callee, SleepingPhone.Response.IGNORE)) {
            String callId = apps.placeCall(apps.app(caller), callee);

            Call call = system.awaitEnded(callId, WAIT.plus(RING));
            assertThat(call.endReason()).isEqualTo(EndReason.COMPLETED);
            assertThat(call.route()).isEqualTo(RouteKind.PSTN);
            assertThat(call.dialledNumber()).isEqualTo(phoneOf(0));
            assertThat(call.attempts()).extracting(Attempt::providerId, Attempt::outcome).containsExactly(
                    tuple(CallStateMachine.VOIP_SWITCH, AttemptOutcome.NO_ANSWER), tuple("uk-carrier", AttemptOutcome.ANSWERED));
            assertThat(Duration.between(call.requestedAt(), call.attempts().get(1).startedAt()))
                    .as("dialled after the push window").isGreaterThanOrEqualTo(PUSH_WINDOW);
            await().atMost(WAIT).until(() -> system.accounts().ledger(caller).stream()
                    .anyMatch(e -> e.kind() == LedgerEntry.Kind.SETTLEMENT));
            assertThat(system.accounts().account(caller, USD).reserved()).isEqualTo(Money.zero(USD));
            awaitQueuesEmpty();
            assertThat(phone.received()).extracting(SleepingPhone.Received::type)
                    .containsExactlyInAnyOrder("incoming-call", "call-cancelled");
        }
    }

    @Test
    void aPhoneThatDoesNotAnswerEitherIsMissedWithTheNoticeAndACallerWithoutCreditGetsNoFallback() {
        String callee = "fb-callee-1";
        system.simulatedSwitch().phoneLine(phoneOf(1), new RingResponse.Ignore());
        String payer = "fb-caller-1";
        String broke = "fb-caller-2";
        system.accounts().topUp(payer, payer + "-top-up", Money.of("5.00", "USD"), Instant.now());
        apps.online(payer);
        apps.online(broke);
        try (SleepingPhone phone = phone(callee, SleepingPhone.Response.IGNORE)) {
            String rung = apps.placeCall(apps.app(payer), callee);
            String unpaid = apps.placeCall(apps.app(broke), callee);

            Call missed = system.awaitEnded(rung, WAIT.plus(RING));
            assertThat(missed.endReason()).isEqualTo(EndReason.MISSED);
            assertThat(missed.route()).isEqualTo(RouteKind.PSTN);
            Call noFallback = system.awaitEnded(unpaid, WAIT.plus(RING));
            assertThat(noFallback.endReason()).isEqualTo(EndReason.MISSED);
            assertThat(noFallback.route()).as("rang in the app until the ring timeout").isEqualTo(RouteKind.VOIP);
            assertThat(noFallback.attempts()).hasSize(1);
            assertThat(noFallback.timeline()).anyMatch(line -> line.detail().contains("no fallback to the phone"));
            await().atMost(WAIT).until(() -> phone.received("missed-call", rung) == 1
                    && phone.received("missed-call", unpaid) == 1);
            awaitQueuesEmpty();
            assertThat(system.accounts().account(payer, USD).reserved()).as("released").isEqualTo(Money.zero(USD));
            assertThat(system.accounts().ledger(payer)).noneMatch(e -> e.kind() == LedgerEntry.Kind.SETTLEMENT
                    && e.amount().micros() != 0);
        }
    }

    private static List<String> deadLetters() {
        String dlq = system.aws().deadLetterQueueUrl(Resources.CALL_PUSHES);
        return system.sqs().receiveMessage(r -> r.queueUrl(dlq).maxNumberOfMessages(10).visibilityTimeout(0))
                .messages().stream().map(m -> m.body()).toList();
    }

    private static void awaitQueuesEmpty() {
        String queue = system.aws().queueUrl(Resources.CALL_PUSHES);
        await().atMost(WAIT).pollDelay(Duration.ofMillis(500)).until(() -> {
            var attributes = system.sqs().getQueueAttributes(r -> r.queueUrl(queue).attributeNamesWithStrings(
                    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).attributesAsStrings();
            return "0".equals(attributes.get("ApproximateNumberOfMessages"))
                    && "0".equals(attributes.get("ApproximateNumberOfMessagesNotVisible"));
        });
    }
}
