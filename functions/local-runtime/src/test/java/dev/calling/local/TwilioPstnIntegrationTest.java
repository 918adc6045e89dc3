package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.core.app.MediaJoin;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.PartyNotifier;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.embedded.TwilioStub;
import dev.calling.embedded.TwilioStub.Script;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PSTN calls through the real Twilio adapter, end to end: the CallStateManager dials through
 * {@code TwilioCarrier} against a stub of Twilio's REST API, the stub calls back (signed) through the
 * local gateway into the CarrierWebhook function, and everything in between goes through the real
 * queues and tables. The auth token and API key secret are read from a Secrets Manager stub. A second,
 * dearer carrier ({@code uk-backup}, simulated) is there to fail over to.
 */
class TwilioPstnIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final String ACCOUNT = "AC" + "0123456789abcdef".repeat(2);
    static final String API_KEY = "SK" + "fedcba9876543210".repeat(2);
    static final String AUTH_TOKEN = "local_twilio_auth_token_00000000";
    static final String API_KEY_SECRET = "local_twilio_api_key_secret_0000";
    static final String FROM = "+14155550100";

    static TwilioStub twilio;
    static LocalSystem system;
    static SimulatedSwitch sw;
    static DevTokenIssuer tokens;
    static Device alice;
    static final List<MediaJoin> mediaPushed = new CopyOnWriteArrayList<>();

    static Provider carrier(String id, String perMinute) {
        return new Provider(id, ProviderKind.PSTN, RateDeck.of(List.of(new Rate("44", Money.of(perMinute, "USD"),
                Money.of("0", "USD"), BillingIncrement.PER_MINUTE, LocalDate.of(2020, 1, 1)))), 100, true, 50);
    }

    @BeforeAll
    static void start() {
        tokens = DevTokenIssuer.generate();
        twilio = new TwilioStub(ACCOUNT, AUTH_TOKEN, API_KEY, API_KEY_SECRET);
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(Duration.ofSeconds(15))
                        .withRetryAfter(Duration.ofSeconds(1))
                        .withPstn(List.of(new Subscriber("alice-tw", Optional.empty(), RoutingPlan.withPstn(List.of()))),
                                List.of(carrier("twilio", "0.0100"), carrier("uk-backup", "0.0300")),
                                // a breaker that stays closed: these tests fail Twilio on purpose
                                new ProviderHealth.Policy(1000, 1000, 1.0, Duration.ofSeconds(1)))
                        .withApi(new LocalSystem.Api(0, 0, tokens))
                        .withTwilio(new LocalSystem.Twilio("twilio", twilio.baseUrl(), ACCOUNT, API_KEY, FROM, AUTH_TOKEN,
                                API_KEY_SECRET)),
                new LocalSystem.Instrumentation(EmbeddedAws::clients, Map.of(), (name, function) -> function,
                        PartyNotifier.NONE, null, mediaPushed::add));
        sw = system.simulatedSwitch();
        system.accounts().topUp("alice-tw", "test-top-up", Money.of("100", "USD"), Instant.now());
        alice = sw.connect("alice-tw", "phone");
        system.awaitLive(alice, WAIT);
    }

    @AfterAll
    static void stop() {
        system.close();
        twilio.close();
    }

    static String uniqueNumber() {
        // London, 020 7xxx xxxx: a valid number for libphonenumber, distinct per test
        return "+44207" + String.format("%07d", Math.abs(UUID.randomUUID().getMostSignificantBits() % 10_000_000));
    }

    /** The call's detail record, once written (the ended call's ChargeCall). */
    static CallDetailRecord detailRecord(String callId) {
        List<CallDetailRecord> found = new CopyOnWriteArrayList<>();
        LocalSystem.awaitCondition(WAIT, () -> {
            found.clear();
            for (LocalDate day : List.of(LocalDate.now(ZoneOffset.UTC).minusDays(1), LocalDate.now(ZoneOffset.UTC))) {
                system.callDetailRecords().forEachEndedOn(day, cdr -> {
                    if (cdr.callId().equals(callId)) {
                        found.add(cdr);
                    }
                });
            }
            return !found.isEmpty();
        }, "the call detail record of " + callId);
        return found.get(0);
    }

    static Map<String, String> form(TwilioStub.StubCall call) {
        Map<String, String> fields = new HashMap<>();
        call.form.forEach((name, values) -> fields.put(name, values.get(0)));
        return fields;
    }

    @Test
    void leastCostPicksTwilioWhoseAnsweredPhoneIsBridgedToTheCallersAppAndBilled() throws Exception {
        String number = uniqueNumber();
        twilio.on(number, new Script.Answers(Duration.ofMillis(300), Duration.ofSeconds(2)));

        String callId = alice.dial(number, CallerScript.waitForOtherSide());
        Call call = system.awaitEnded(callId, WAIT);

        assertThat(call.endReason()).as("%s", call.timeline()).isEqualTo(EndReason.COMPLETED);
        assertThat(call.attempts()).extracting(Attempt::providerId, Attempt::outcome)
                .containsExactly(tuple("twilio", AttemptOutcome.ANSWERED));
        TwilioStub.StubCall phone = twilio.callsTo(number).get(0);
        Map<String, String> dial = form(phone);
        assertThat(dial).containsEntry("From", FROM).containsEntry("StatusCallbackMethod", "POST")
                .containsEntry("Timeout", "60");
        assertThat(Long.parseLong(dial.get("TimeLimit"))).as("the talk the reservation pays for")
                .isEqualTo(call.charging().maxTalkSeconds());
        assertThat(phone.form.get("StatusCallbackEvent")).containsExactly("ringing", "answered", "completed");
        assertThat(phone.bridgedTo()).as("the answered phone is dialled to the caller's Voice SDK").isEqualTo("alice_2Dtw");
        // The caller's app was handed its Voice token for this call, on its own connection, while the number rang.
        assertThat(mediaPushed).filteredOn(join -> join.callId().equals(callId)).singleElement().satisfies(join -> {
            assertThat(join.connectionId()).isEqualTo(alice.connectionId());
            assertThat(join.provider()).isEqualTo("twilio");
            JsonNode document = new ObjectMapper().readTree(join.join());
            assertThat(document.path("identity").asText()).isEqualTo("alice_2Dtw");
            assertThat(document.path("callParameters").path("callId").asText()).isEqualTo(callId);
            assertThat(document.path("accessToken").asText()).startsWith("eyJ");
        });
        assertThat(detailRecord(callId)).satisfies(record -> {
            assertThat(record.providerId()).isEqualTo("twilio");
            assertThat(record.billableSeconds()).isEqualTo(60); // per minute
            assertThat(record.retail().micros()).isPositive();
        });
    }

    @Test
    void aDialTwilioRefusesWith503FailsOverToTheNextCarrier() {
        String number = uniqueNumber();
        twilio.on(number, new Script.Refused(503, 20503));
        sw.phoneLine(number, RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofMillis(500)));

        Call call = system.awaitEnded(alice.dial(number, CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).as("%s", call.timeline()).isEqualTo(EndReason.COMPLETED);
        assertThat(call.attempts()).extracting(Attempt::providerId, Attempt::outcome, Attempt::sipCode).containsExactly(
                tuple("twilio", AttemptOutcome.CARRIER_FAILURE, 503), tuple("uk-backup", AttemptOutcome.ANSWERED, 0));
        assertThat(twilio.callsTo(number)).isEmpty();
    }

    @Test
    void aCallTwilioReportsFailedFailsOverToTheNextCarrier() {
        String number = uniqueNumber();
        twilio.on(number, new Script.Fails(503, Duration.ofMillis(200)));
        sw.phoneLine(number, RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofMillis(500)));

        Call call = system.awaitEnded(alice.dial(number, CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).as("%s", call.timeline()).isEqualTo(EndReason.COMPLETED);
        assertThat(call.attempts()).extracting(Attempt::providerId, Attempt::outcome).containsExactly(
                tuple("twilio", AttemptOutcome.CARRIER_FAILURE), tuple("uk-backup", AttemptOutcome.ANSWERED));
    }

    @Test
    void aBusyNumberEndsTheCallWithoutTryingAnotherCarrierAndNothingIsCharged() {
        String number = uniqueNumber();
        twilio.on(number, new Script.Busy(Duration.ofMillis(300)));

        String callId = alice.dial(number, CallerScript.waitForOtherSide());
        Call call = system.awaitEnded(callId, WAIT);

        assertThat(call.endReason()).as("%s", call.timeline()).isEqualTo(EndReason.BUSY);
        assertThat(call.attempts()).extracting(Attempt::providerId, Attempt::sipCode).containsExactly(tuple("twilio", 486));
        assertThat(detailRecord(callId).retail().micros()).isZero();
    }

    @Test
    void aNumberNobodyAnswersIsMissedAtOurRingTimeoutAndHungUpAtTwilio() {
        String number = uniqueNumber();
        twilio.on(number, new Script.NoAnswer());

        Call call = system.awaitEnded(alice.dial(number, CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).as("%s", call.timeline()).isEqualTo(EndReason.MISSED);
        assertThat(call.attempts()).extracting(Attempt::providerId).containsExactly("twilio");
        LocalSystem.awaitCondition(WAIT, () -> !twilio.callsTo(number).get(0).status().equals("ringing"), "hung up");
        assertThat(twilio.callsTo(number).get(0).hungUpByApi()).isTrue();
    }

    @Test
    void theCallersAppReadsItsTokenThroughTheApiAndHangingUpThereHangsThePhoneUpAtTwilio() {
        String number = uniqueNumber();
        twilio.on(number, new Script.Answers(Duration.ofMillis(300), null)); // stays on the line
        AppClient app = new AppClient(system.gateway().orElseThrow().httpEndpoint(),
                tokens.mint("alice-tw", Duration.ofMinutes(30)));

        String callId = alice.dial(number, CallerScript.waitForOtherSide());
        system.awaitState(callId, CallState.CONNECTED, WAIT);
        AppClient.Reply media = app.get("/v1/calls/" + callId + "/media");
        AppClient.Reply hangUp = app.post("/v1/calls/" + callId + "/hangup", "{}");
        Call call = system.awaitEnded(callId, WAIT);

        assertThat(media.status()).isEqualTo(200);
        assertThat(media.body().path("provider").asText()).isEqualTo("twilio");
        assertThat(media.body().at("/join/identity").asText()).isEqualTo("alice_2Dtw");
        assertThat(media.body().at("/join/accessToken").asText()).startsWith("eyJ");
        assertThat(hangUp.status()).isEqualTo(202);
        assertThat(call.endReason()).as("%s", call.timeline()).isEqualTo(EndReason.COMPLETED);
        LocalSystem.awaitCondition(WAIT, () -> twilio.callsTo(number).get(0).status().equals("completed"), "hung up");
        assertThat(twilio.callsTo(number).get(0).hungUpByApi()).isTrue();
        assertThat(twilio.liveCalls()).noneMatch(live -> live.to.equals(number));
    }

    @Test
    void aForgedCallbackIsRefusedAndAReplayedOneChangesNothing() throws InterruptedException {
        String number = uniqueNumber();
        twilio.on(number, new Script.Answers(Duration.ofSeconds(3), Duration.ofMillis(500)));
        String callId = alice.dial(number, CallerScript.waitForOtherSide());
        LocalSystem.awaitCondition(WAIT, () -> twilio.sentCallbacks().stream()
                .anyMatch(sent -> twilio.callsTo(number).stream().anyMatch(c -> c.sid.equals(sent.callSid()))), "ringing");
        TwilioStub.SentCallback ringing = twilio.sentCallbacks().stream()
                .filter(sent -> sent.callSid().equals(twilio.callsTo(number).get(0).sid)).findFirst().orElseThrow();
        system.awaitState(callId, CallState.RINGING, WAIT);

        Map<String, String> answered = new HashMap<>(ringing.form());
        answered.put("CallStatus", "in-progress");
        answered.put("SequenceNumber", "1");
        int forged = twilio.sendSignedWith("not-" + AUTH_TOKEN, ringing.url(), answered);

        assertThat(forged).isEqualTo(403); // refused before anything was published
        assertThat(system.call(callId)).get().satisfies(ringingStill -> {
            assertThat(ringingStill.state()).isEqualTo(CallState.RINGING);
            assertThat(ringingStill.answeredAt()).isNull();
        });

        Call ended = system.awaitEnded(callId, WAIT);
        assertThat(ended.endReason()).isEqualTo(EndReason.COMPLETED);
        assertThat(twilio.resend(ringing)).as("a replay within the callback window is taken, as a duplicate").isEqualTo(200);
        Thread.sleep(2_000); // time for a replay that was taken as new to reach the call (it must not)
        assertThat(system.call(callId)).get().extracting(Call::version).isEqualTo(ended.version());
    }

    @Test
    void anAmbiguousDialFailsOverAndTheCallTwilioMadeIsHungUp() {
        String number = uniqueNumber();
        twilio.on(number, new Script.ReplyLost(new Script.Answers(Duration.ofMillis(300), null)));
        sw.phoneLine(number, RingResponse.answerAfter(Duration.ofMillis(300), Duration.ofMillis(500)));

        Call call = system.awaitEnded(alice.dial(number, CallerScript.waitForOtherSide()), WAIT);

        assertThat(call.endReason()).as("%s", call.timeline()).isEqualTo(EndReason.COMPLETED);
        assertThat(call.attempts()).extracting(Attempt::providerId, Attempt::outcome).containsExactly(
                tuple("twilio", AttemptOutcome.CARRIER_FAILURE), tuple("uk-backup", AttemptOutcome.ANSWERED));
        LocalSystem.awaitCondition(WAIT, () -> twilio.callsTo(number).stream().noneMatch(c -> c.status().equals("ringing")
                || c.status().equals("in-progress") || c.status().equals("queued")), "the unowned call hung up");
        assertThat(twilio.callsTo(number)).singleElement().satisfies(made -> assertThat(made.hungUpByApi()).isTrue());
    }
}
