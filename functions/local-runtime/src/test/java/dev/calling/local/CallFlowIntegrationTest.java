package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.Party;
import dev.calling.core.call.TimelineEntry;
import dev.calling.core.session.ConnectionEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * VoIP calls end to end through the real queues (ElasticMQ) and tables (dynalite): the
 * simulated switch reports to {@code connection-events} and {@code call-state-changes}, event
 * source mappings deliver Lambda-shaped batches to the SessionService and CallStateManager
 * handlers, and the assertions read the call records the manager stored.
 */
class CallFlowIntegrationTest {

    static final Duration RING_TIMEOUT = Duration.ofSeconds(3);
    static final Duration WAIT = Duration.ofSeconds(30);
    static LocalSystem system;
    static SimulatedSwitch sw;

    @BeforeAll
    static void start() {
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(RING_TIMEOUT)
                .withRetryAfter(Duration.ofSeconds(1)));
        sw = system.simulatedSwitch();
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    static Device online(String user, RingResponse onRing) {
        Device device = sw.connect(user + "-" + UUID.randomUUID().toString().substring(0, 6), "phone").whenRung(onRing);
        system.awaitLive(device, WAIT);
        return device;
    }

    static List<CallState> states(Call call) {
        return call.timeline().stream().map(TimelineEntry::state).toList();
    }

    @Test
    void answeredCallIsRequestedRingingConnectedThenCompleted() {
        Device alice = online("alice", new RingResponse.Ignore());
        Device bob = online("bob", RingResponse.answerAfter(Duration.ofMillis(300)));

        Call call = system.awaitEnded(alice.call(bob.userId(), CallerScript.hangUpAfterTalking(Duration.ofMillis(500))), WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(states(call)).containsExactly(CallState.REQUESTED, CallState.RINGING, CallState.RINGING,
                CallState.CONNECTED, CallState.ENDED);
        assertThat(call.calleeConnectionId()).isEqualTo(bob.connectionId());
        assertThat(call.answeredAt()).isBefore(call.endedAt());
        assertThat(Duration.between(call.answeredAt(), call.endedAt())).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }

    @Test
    void calleeWhoHangsUpAlsoCompletesTheCall() {
        Device alice = online("alice", new RingResponse.Ignore());
        Device bob = online("bob", RingResponse.answerAfter(Duration.ofMillis(200), Duration.ofMillis(300)));

        Call call = system.awaitEnded(alice.call(bob.userId(), CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(call.timeline().get(call.timeline().size() - 1).detail()).contains("callee hung up");
    }

    @Test
    void declinedCallIsRejected() {
        Device alice = online("alice", new RingResponse.Ignore());
        Device carol = online("carol", new RingResponse.Decline(Duration.ofMillis(200)));

        Call call = system.awaitEnded(alice.call(carol.userId(), CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.REJECTED);
        assertThat(call.answeredAt()).isNull();
    }

    @Test
    void unansweredCallIsMissedAtTheRingTimeout() {
        Device alice = online("alice", new RingResponse.Ignore());
        Device dave = online("dave", new RingResponse.Ignore());

        Call call = system.awaitEnded(alice.call(dave.userId(), CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.MISSED);
        assertThat(call.endedAt()).isEqualTo(call.requestedAt().plus(RING_TIMEOUT));
    }

    @Test
    void callerHangingUpWhileItRingsCancelsTheCall() {
        Device alice = online("alice", new RingResponse.Ignore());
        Device erin = online("erin", new RingResponse.Ignore());

        Call call = system.awaitEnded(alice.call(erin.userId(), CallerScript.cancelAfter(Duration.ofMillis(800))), WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.CANCELLED);
    }

    @Test
    void busyCalleeEndsTheCallBusy() {
        Device alice = online("alice", new RingResponse.Ignore());
        Device grace = online("grace", new RingResponse.Busy());

        assertThat(system.awaitEnded(alice.call(grace.userId(), CallerScript.waitForOtherSide()), WAIT).endReason())
                .isEqualTo(EndReason.BUSY);
    }

    @Test
    void offlineCalleeIsUnreachableAndNeverRung() {
        Device alice = online("alice", new RingResponse.Ignore());
        Device frank = online("frank", RingResponse.answerAfter(Duration.ofMillis(100)));
        frank.disconnect();
        await().atMost(WAIT).until(() -> system.sessions().sessionsOf(frank.userId()).liveConnectionIds(Instant.now()).isEmpty());

        Call call = system.awaitEnded(alice.call(frank.userId(), CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.UNREACHABLE);
        assertThat(states(call)).containsExactly(CallState.REQUESTED, CallState.ENDED);
    }

    @Test
    void aCalleeWithTwoDevicesRingsBothAndTheOtherStopsWhenOneAnswers() {
        Device alice = online("alice", new RingResponse.Ignore());
        Device phone = online("bob", new RingResponse.Ignore());
        Device laptop = sw.connect(phone.userId(), "laptop").whenRung(RingResponse.answerAfter(Duration.ofMillis(300)));
        system.awaitLive(laptop, WAIT);

        String callId = alice.call(phone.userId(), CallerScript.hangUpAfterTalking(Duration.ofMillis(300)));
        Call call = system.awaitEnded(callId, WAIT);

        assertThat(call.ringingConnectionIds()).containsExactlyInAnyOrder(phone.connectionId(), laptop.connectionId());
        assertThat(call.calleeConnectionId()).isEqualTo(laptop.connectionId());
        assertThat(call.endReason()).isEqualTo(EndReason.COMPLETED);
    }

    /**
     * A carrier that reports out of order and twice: the hangup (#3) before the answer (#2), and
     * the answer again in a fresh envelope (so SQS deduplication does not catch it). The final
     * record must match the same reports delivered in order.
     */
    @Test
    void reorderedAndDuplicatedSwitchReportsLeaveTheSameFinalRecord() {
        Call inOrder = manuallyReported(false);
        Call shuffled = manuallyReported(true);

        assertThat(shuffled.endReason()).isEqualTo(EndReason.COMPLETED).isEqualTo(inOrder.endReason());
        assertThat(relative(shuffled)).isEqualTo(relative(inOrder));
        assertThat(Duration.between(shuffled.answeredAt(), shuffled.endedAt())).isEqualTo(Duration.ofSeconds(4));
        assertThat(shuffled.lastSwitchSequence()).isEqualTo(3);
        assertThat(shuffled.deferred()).isEmpty();
    }

    private Call manuallyReported(boolean shuffle) {
        Device alice = online("alice", new RingResponse.Ignore());
        Device bob = online("bob", new RingResponse.Ignore()); // the switch only reports #1 (ringing)
        String callId = alice.call(bob.userId(), CallerScript.waitForOtherSide());
        await().atMost(WAIT).until(() -> system.call(callId).map(c -> c.lastSwitchSequence() == 1).orElse(false));
        Instant requested = system.call(callId).orElseThrow().requestedAt();

        // Times at most 5 s ahead of the call state manager's clock (a later one would be taken as "now").
        CallEvent answer = new CallEvent.CallAnswered("ans-" + callId, callId, requested.plusSeconds(1), 1, 2, bob.connectionId());
        CallEvent hangup = new CallEvent.CallHungUp("hup-" + callId, callId, requested.plusSeconds(5), 1, 3, Party.CALLEE);
        if (shuffle) {
            system.publisher().publish(hangup);
            sendWithFreshDeduplicationId(answer);
            sendWithFreshDeduplicationId(answer);
            sendWithFreshDeduplicationId(hangup);
        } else {
            system.publisher().publish(answer);
            system.publisher().publish(hangup);
        }
        return system.awaitEnded(callId, WAIT);
    }

    private static void sendWithFreshDeduplicationId(CallEvent event) {
        system.sqs().sendMessage(r -> r.queueUrl(system.aws().queueUrl(Resources.CALL_STATE_CHANGES))
                .messageBody(Json.write(event)).messageGroupId(event.callId())
                .messageDeduplicationId(UUID.randomUUID().toString()));
    }

    /** The record's story with times relative to the request, so two calls can be compared. */
    private static List<String> relative(Call call) {
        return call.timeline().stream().map(e -> Duration.between(call.requestedAt(), e.at()).toMillis() / 1000 + "s "
                + e.state() + " " + e.detail().replace(call.calleeConnectionId(), "<callee connection>")
                        .replace(call.callerUserId(), "<caller>").replace(call.calleeUserId(), "<callee>")).toList();
    }

    @Test
    void duplicatedCallRequestMakesOneCall() {
        Device alice = online("alice", new RingResponse.Ignore());
        Device bob = online("bob", RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofMillis(300)));
        String callId = "dup-" + UUID.randomUUID();
        CallEvent request = new CallEvent.CallRequested("req-" + callId, callId, Instant.now(), alice.userId(),
                alice.connectionId(), bob.userId());

        sendWithFreshDeduplicationId(request);
        sendWithFreshDeduplicationId(request);
        Call call = system.awaitEnded(callId, WAIT);

        assertThat(call.endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(states(call)).containsExactly(CallState.REQUESTED, CallState.RINGING, CallState.RINGING,
                CallState.CONNECTED, CallState.ENDED);
    }

    @Test
    void poisonMessagesEndInTheirDeadLetterQueuesAndTheRestIsProcessed() {
        Device alice = online("alice", new RingResponse.Ignore());
        Device bob = online("bob", RingResponse.answerAfter(Duration.ofMillis(200), Duration.ofMillis(200)));
        String callQueue = system.aws().queueUrl(Resources.CALL_STATE_CHANGES);
        String connectionQueue = system.aws().queueUrl(Resources.CONNECTION_EVENTS);

        system.sqs().sendMessage(r -> r.queueUrl(callQueue).messageBody("{\"type\":\"CallAnswered\",\"callId\":")
                .messageGroupId("poison-call").messageDeduplicationId(UUID.randomUUID().toString()));
        system.sqs().sendMessage(r -> r.queueUrl(connectionQueue).messageBody("not json at all"));
        String callId = alice.call(bob.userId(), CallerScript.waitForOtherSide());
        Device late = sw.connect("late-" + UUID.randomUUID().toString().substring(0, 6), "phone");

        assertThat(system.awaitEnded(callId, WAIT).endReason()).isEqualTo(EndReason.COMPLETED);
        system.awaitLive(late, WAIT);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(deadLetters(Resources.CALL_STATE_CHANGES)).contains("{\"type\":\"CallAnswered\",\"callId\":");
            assertThat(deadLetters(Resources.CONNECTION_EVENTS)).contains("not json at all");
        });
    }

    private static List<String> deadLetters(Resources.QueueDefinition queue) {
        String dlq = system.aws().deadLetterQueueUrl(queue);
        return system.sqs().receiveMessage(r -> r.queueUrl(dlq).maxNumberOfMessages(10).visibilityTimeout(0))
                .messages().stream().map(m -> m.body()).toList();
    }

    @Test
    void connectionEventsFlowIntoTheSessionService() {
        Device device = online("zoe", new RingResponse.Ignore());
        var sessions = system.sessions();

        assertThat(sessions.connection(device.connectionId())).get()
                .extracting(c -> c.userId()).isEqualTo(device.userId());
        system.publisher().publish(new ConnectionEvent.ConnectionOpened("late-open", device.userId(), "phone",
                device.connectionId(), Instant.now().minusSeconds(5)));
        device.disconnect();
        await().atMost(WAIT).until(() -> sessions.sessionsOf(device.userId()).liveConnectionIds(Instant.now()).isEmpty());
        system.publisher().publish(new ConnectionEvent.ConnectionOpened("later-open", device.userId(), "phone",
                device.connectionId(), Instant.now()));
        sw.heartbeatAll();

        await().during(Duration.ofSeconds(2)).atMost(WAIT)
                .until(() -> sessions.sessionsOf(device.userId()).liveConnectionIds(Instant.now()).isEmpty());
    }
}
