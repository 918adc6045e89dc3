package dev.calling.carrier.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.calling.adapters.Resources;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.realtime.MediaJoinPush;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.embedded.CallStateChangesQueue;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.embedded.TwilioStub;
import dev.calling.embedded.TwilioStub.Script;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@link TwilioCarrier#check}, the watchdog's "is the answered leg still up?", through the real adapter
 * against {@link TwilioStub} ("Fetch a Call", https://www.twilio.com/docs/voice/api/call-resource), with the
 * real carrier-legs table and call-state-changes queue. The calls are placed by the adapter's own dial, and
 * their status callbacks go to a port nobody listens on: every one of them is lost for good, the case the
 * check is there for.
 */
class TwilioCheckTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static CallStateChangesQueue queue;
    static DynamoDbCarrierLegs legs;
    static DynamoDbCallMedia callMedia;
    static TwilioStub twilio;
    static URI lostCallbacks;

    String callId;
    String number;

    @BeforeAll
    static void start() throws IOException {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        queue = new CallStateChangesQueue(aws, sqs);
        legs = new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), Clock.fixed(Fixtures.NOW, ZoneOffset.UTC));
        callMedia = new DynamoDbCallMedia(dynamoDb, Resources.CALL_MEDIA.name());
        twilio = new TwilioStub(Fixtures.ACCOUNT_SID, Fixtures.AUTH_TOKEN, Fixtures.API_KEY_SID, Fixtures.API_KEY_SECRET);
        try (ServerSocket socket = new ServerSocket(0)) {
            lostCallbacks = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/carrier-webhooks/twilio");
        }
    }

    @AfterAll
    static void stop() {
        twilio.close();
        dynamoDb.close();
        sqs.close();
        aws.close();
    }

    @BeforeEach
    void freshCall() {
        twilio.heal();
        queue.drain();
        callId = "call-" + UUID.randomUUID().toString().substring(0, 8);
        // A number of its own per test, so the stub's script and calls are this test's alone.
        number = "+4420718" + String.format("%05d", Math.floorMod(callId.hashCode(), 100_000));
    }

    static TwilioCarrier carrier(SqsCallStateChanges callStateChanges) {
        Clock clock = Clock.fixed(Fixtures.NOW, ZoneOffset.UTC);
        TwilioConfig config = Fixtures.stubConfig(twilio.baseUrl().toString(), lostCallbacks);
        return new TwilioCarrier(new TwilioApi(config), new CallerClient(config, callMedia, MediaJoinPush.NONE, clock), legs,
                callStateChanges, clock);
    }

    static TwilioCarrier carrier() {
        return carrier(new SqsCallStateChanges(sqs, queue.url()));
    }

    CallCommand.DialNumber dial(int attempt) {
        return new CallCommand.DialNumber(callId, attempt, Fixtures.PROVIDER, "alice", "alice-c1", number, null);
    }

    CallCommand.CheckNumber check(int attempt) {
        return new CallCommand.CheckNumber(callId, attempt, Fixtures.PROVIDER);
    }

    /** Dials the attempt through the adapter and returns the stub's call for it once its status is {@code status}. */
    TwilioStub.StubCall dialAndAwait(int attempt, String status) throws InterruptedException {
        carrier().dial(dial(attempt));
        String sid = legs.byCall(callId, attempt).map(CarrierLeg::carrierLegId).orElseThrow();
        TwilioStub.StubCall call = twilio.call(sid).orElseThrow();
        await(() -> call.status().equals(status), "call " + sid + " " + status + " (it is " + call.status() + ")");
        return call;
    }

    CallEvent.CallHungUp legEnded(int attempt, Instant at) {
        return new CallEvent.CallHungUp(callId + ":" + attempt + ":leg-ended", callId, at, attempt, 0, Party.CALLEE);
    }

    /** When the stub's call ended, as its {@code end_time} says it: RFC 2822, to the second. */
    static Instant endTime(TwilioStub.StubCall call) {
        return call.ended().orElseThrow().truncatedTo(ChronoUnit.SECONDS);
    }

    /** The "Fetch a Call" requests the stub received for {@code sid}. */
    static List<LoggedRequest> fetchesOf(String sid) {
        String path = "/2010-04-01/Accounts/" + Fixtures.ACCOUNT_SID + "/Calls/" + sid + ".json";
        return twilio.requests().stream().filter(r -> r.getMethod().getName().equals("GET") && r.getUrl().equals(path)).toList();
    }

    static List<LoggedRequest> allFetches() {
        return twilio.requests().stream().filter(r -> r.getMethod().getName().equals("GET")).toList();
    }

    @Test
    void anAnsweredLegTwilioReportsCompletedIsReportedHungUpByTheCalleeAtItsEndTime() throws Exception {
        twilio.on(number, new Script.Answers(Duration.ofMillis(100), Duration.ofMillis(300)));
        TwilioStub.StubCall call = dialAndAwait(1, "completed");
        await(() -> twilio.sentCallbacks(call.sid).size() == 3, "ringing, in-progress and completed sent");
        assertThat(twilio.sentCallbacks(call.sid)).as("the premise: every callback was lost")
                .allSatisfy(sent -> assertThat(sent.httpStatus()).isZero());
        assertThat(queue.drain()).isEmpty();

        carrier().check(check(1));

        assertThat(fetchesOf(call.sid)).singleElement().satisfies(fetch ->
                assertThat(fetch.getHeader("Authorization")).startsWith("Basic "));
        assertThat(queue.drain()).as("unsequenced, at Twilio's end_time, not at our clock's")
                .containsExactly(legEnded(1, endTime(call)));
    }

    @Test
    void askingAgainPublishesTheSameEvent() throws Exception {
        twilio.on(number, new Script.Answers(Duration.ofMillis(100), Duration.ofMillis(300)));
        TwilioStub.StubCall call = dialAndAwait(1, "completed");
        // A second FIFO queue, so the repeat is not hidden by the first one's dedup window.
        String otherQueue = sqs.createQueue(r -> r.queueName("check-" + UUID.randomUUID().toString().substring(0, 8)
                + ".fifo").attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();

        carrier().check(check(1));
        carrier().check(check(1));
        carrier(new SqsCallStateChanges(sqs, otherQueue)).check(check(1));

        assertThat(fetchesOf(call.sid)).hasSize(3);
        assertThat(queue.drain()).as("the repeat has the same deduplication id").containsExactly(legEnded(1, endTime(call)));
        assertThat(sqs.receiveMessage(r -> r.queueUrl(otherQueue).waitTimeSeconds(1)).messages())
                .extracting(m -> Json.readCallEvent(m.body())).containsExactly(legEnded(1, endTime(call)));
    }

    @Test
    void aLegStillInProgressIsLeftAlone() throws Exception {
        twilio.on(number, new Script.Answers(Duration.ofMillis(100), null));
        TwilioStub.StubCall call = dialAndAwait(1, "in-progress");

        carrier().check(check(1));

        assertThat(fetchesOf(call.sid)).hasSize(1);
        assertThat(queue.drain()).isEmpty();
        assertThat(call.isLive()).as("asking does not touch the call").isTrue();
    }

    @Test
    void anAttemptWithoutTwilioCallIsNotAskedAbout() throws Exception {
        twilio.on(number, new Script.Answers(Duration.ofMillis(100), Duration.ofMillis(300)));
        twilio.failNextCreates(1, 503, 20503);
        carrier().dial(dial(1)); // refused: the attempt holds a failed-dial marker
        assertThat(queue.drain()).extracting(CallEvent::eventId).containsExactly(callId + ":1:dial-failed");
        TwilioStub.StubCall second = dialAndAwait(2, "completed"); // the failover's call, which did end
        int fetchesBefore = allFetches().size();

        carrier().check(check(1)); // failed-dial marker
        carrier().check(check(7)); // no leg at all
        carrier().check(check(2));

        assertThat(allFetches()).as("only attempt 2 has a call to ask about").hasSize(fetchesBefore + 1);
        assertThat(fetchesOf(second.sid)).hasSize(1);
        assertThat(queue.drain()).containsExactly(legEnded(2, endTime(second)));
    }

    @Test
    void aTwilioFailureIsLoggedNotThrownAndTheNextCheckAsksAgain() throws Exception {
        twilio.on(number, new Script.Answers(Duration.ofMillis(100), Duration.ofMillis(300)));
        TwilioStub.StubCall call = dialAndAwait(1, "completed");
        twilio.failNextFetches(1, 503, 20503);

        assertThatCode(() -> carrier().check(check(1))).doesNotThrowAnyException();

        assertThat(fetchesOf(call.sid)).hasSize(1);
        assertThat(queue.drain()).isEmpty();

        carrier().check(check(1)); // the watchdog's next tick

        assertThat(queue.drain()).containsExactly(legEnded(1, endTime(call)));
    }

    @Test
    void checksForAnotherCarrierAreRefused() {
        assertThatThrownBy(() -> carrier().check(new CallCommand.CheckNumber(callId, 1, "other")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited " + WAIT + " for " + what);
            }
            Thread.sleep(20);
        }
    }
}
