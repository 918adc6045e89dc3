package dev.calling.carrier.twilio;

import dev.calling.embedded.CallStateChangesQueue;
import dev.calling.adapters.carrier.FailedDial;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.BasicCredentials;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.twilio.twiml.VoiceResponse;
import com.twilio.twiml.voice.Client;
import com.twilio.twiml.voice.Dial;
import com.twilio.twiml.voice.Identity;
import com.twilio.twiml.voice.Parameter;
import dev.calling.adapters.Resources;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.core.app.MediaJoin;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jose4j.jwt.JwtClaims;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.embedded.EmbeddedAws;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The adapter against WireMock playing Twilio's REST API, with the real carrier-legs table and
 * call-state-changes queue. Request and reply shapes are the Call resource's
 * (https://www.twilio.com/docs/voice/api/call-resource: "Create a Call", "Retrieve a List of Calls",
 * "Update a Call"); error bodies are Twilio's ({@code code}, {@code message}, {@code more_info},
 * {@code status}; codes from https://www.twilio.com/docs/api/errors).
 */
class TwilioCarrierTest {

    static final String CALLS = "/2010-04-01/Accounts/" + Fixtures.ACCOUNT_SID + "/Calls.json";
    static final AtomicLong SIDS = new AtomicLong(0x1000);

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static SqsClient sqs;
    static WireMockServer twilio;
    static CallStateChangesQueue queue;
    static DynamoDbCarrierLegs legs;
    static DynamoDbCallMedia callMedia;
    static final List<MediaJoin> pushed = new CopyOnWriteArrayList<>();

    String callId;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        queue = new CallStateChangesQueue(aws, sqs);
        legs = new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), Clock.fixed(Fixtures.NOW, ZoneOffset.UTC));
        callMedia = new DynamoDbCallMedia(dynamoDb, Resources.CALL_MEDIA.name());
        twilio = new WireMockServer(wireMockConfig().dynamicPort().extensions(new WhenRequested()));
        twilio.start();
    }

    @AfterAll
    static void stop() {
        twilio.stop();
        dynamoDb.close();
        sqs.close();
        aws.close();
    }

    /**
     * Runs {@link #action} when a stub that names it receives its request, before answering: makes
     * "meanwhile, while the dial waits for Twilio" happen deterministically, not by sleeping.
     */
    static final class WhenRequested implements ResponseDefinitionTransformerV2 {
        static volatile Runnable action = () -> {};

        @Override
        public ResponseDefinition transform(ServeEvent serveEvent) {
            action.run();
            return serveEvent.getResponseDefinition();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return "when-requested";
        }
    }

    @BeforeEach
    void freshCall() {
        WhenRequested.action = () -> {};
        twilio.resetAll();
        queue.drain();
        pushed.clear();
        callId = "call-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static TwilioCarrier carrier(String baseUrl) {
        Clock clock = Clock.fixed(Fixtures.NOW, ZoneOffset.UTC);
        TwilioConfig config = Fixtures.config(baseUrl);
        return new TwilioCarrier(new TwilioApi(config), new CallerClient(config, callMedia, pushed::add, clock), legs,
                new SqsCallStateChanges(sqs, queue.url()), clock);
    }

    static TwilioCarrier carrier() {
        return carrier(twilio.baseUrl());
    }

    static String newSid() {
        return Fixtures.callSid(SIDS.incrementAndGet());
    }

    static String callPath(String sid) {
        return "/2010-04-01/Accounts/" + Fixtures.ACCOUNT_SID + "/Calls/" + sid + ".json";
    }

    CallCommand.DialNumber dial(int attempt) {
        return new CallCommand.DialNumber(callId, attempt, Fixtures.PROVIDER, "alice", "alice-c1", Fixtures.TO, null);
    }

    /** A Call resource as "Create a Call" answers it (fields abridged to those of a just-created outbound call). */
    static String callResource(String sid, String status) {
        return """
                {"account_sid":"%s","api_version":"2010-04-01","date_created":"%s","direction":"outbound-api",
                 "from":"%s","sid":"%s","status":"%s","to":"%s","uri":"/2010-04-01/Accounts/%s/Calls/%s.json"}"""
                .formatted(Fixtures.ACCOUNT_SID, Fixtures.rfc2822(Fixtures.NOW), Fixtures.FROM, sid, status, Fixtures.TO,
                        Fixtures.ACCOUNT_SID, sid);
    }

    static String error(int code, int status, String message) {
        return """
                {"code":%d,"message":"%s","more_info":"https://www.twilio.com/docs/errors/%d","status":%d}"""
                .formatted(code, message, code, status);
    }

    static void twilioAnswersCreate(int status, String body) {
        twilio.stubFor(post(CALLS).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    CallEvent.CallFailed dialFailure(int attempt, int sipCode, String cause) {
        return new CallEvent.CallFailed(callId + ":" + attempt + ":dial-failed", callId, Fixtures.NOW, attempt, 1, sipCode,
                cause);
    }

    /** The create-call form exactly as it must be sent, in order. */
    String expectedCreateForm(int attempt) {
        return Fixtures.form(List.of(
                Map.entry("To", Fixtures.TO),
                Map.entry("From", Fixtures.FROM),
                Map.entry("Twiml", "<Response><Pause length=\"60\"/></Response>"),
                Map.entry("StatusCallback", "https://calls.example/carrier-webhooks/twilio?callId=" + callId + "&attempt=" + attempt),
                Map.entry("StatusCallbackEvent", "ringing"),
                Map.entry("StatusCallbackEvent", "answered"),
                Map.entry("StatusCallbackEvent", "completed"),
                Map.entry("StatusCallbackMethod", "POST"),
                Map.entry("Timeout", "60"),
                Map.entry("TimeLimit", "14400")));
    }

    // ---- dial --------------------------------------------------------------------------------

    @Test
    void dialCreatesTheCallWithTheDocumentedFormAndRemembersItsSid() {
        String sid = newSid();
        twilioAnswersCreate(201, callResource(sid, "queued"));

        carrier().dial(dial(1));

        twilio.verify(1, postRequestedFor(urlEqualTo(CALLS))
                .withBasicAuth(new BasicCredentials(Fixtures.API_KEY_SID, Fixtures.API_KEY_SECRET))
                .withHeader("Content-Type", equalTo("application/x-www-form-urlencoded"))
                .withFormParam("To", equalTo(Fixtures.TO))
                .withFormParam("StatusCallbackMethod", equalTo("POST"))
                .withRequestBody(equalTo(expectedCreateForm(1))));
        assertThat(legs.byCall(callId, 1)).map(CarrierLeg::carrierLegId).contains(sid);
        assertThat(legs.byCarrierLeg(Fixtures.PROVIDER, sid)).map(CarrierLeg::callId).contains(callId);
        assertThat(queue.drain()).as("a placed call is reported by its status callbacks, not by the dial").isEmpty();
    }

    @Test
    void aRedeliveredDialOfAPlacedAttemptSendsNothing() {
        twilioAnswersCreate(201, callResource(newSid(), "queued"));

        carrier().dial(dial(1));
        carrier().dial(dial(1));

        twilio.verify(1, postRequestedFor(urlEqualTo(CALLS)));
    }

    @Test
    void theNextAttemptIsANewCallWithItsOwnReference() {
        twilioAnswersCreate(201, callResource(newSid(), "queued"));
        carrier().dial(dial(1));
        String second = newSid();
        twilioAnswersCreate(201, callResource(second, "queued"));

        carrier().dial(dial(2));

        twilio.verify(1, postRequestedFor(urlEqualTo(CALLS)).withRequestBody(equalTo(expectedCreateForm(2))));
        assertThat(legs.byCall(callId, 2)).map(CarrierLeg::carrierLegId).contains(second);
    }

    @Test
    void a503FailsTheAttemptOverWithCallFailedNumberOne() {
        twilioAnswersCreate(503, error(20500, 503, "Service Unavailable"));

        carrier().dial(dial(1));

        assertThat(queue.drain()).containsExactly(dialFailure(1, 503, "twilio refused the call: HTTP 503 (Twilio error 20500)"));
        assertThat(AttemptOutcome.fromSipCode(503).allowsFailover()).isTrue();
    }

    @Test
    void a429IsAnOverloadedCarrier() {
        twilioAnswersCreate(429, error(20429, 429, "Too Many Requests"));

        carrier().dial(dial(2));

        assertThat(queue.drain()).containsExactly(dialFailure(2, 503, "twilio refused the call: HTTP 429 (Twilio error 20429)"));
    }

    @Test
    void aNumberTwilioRefusesAsInvalidEndsTheCallInsteadOfFailingOver() {
        twilioAnswersCreate(400, error(21211, 400, "The 'To' number +4420718387 is not a valid phone number."));

        carrier().dial(dial(1));

        List<CallEvent> events = queue.drain();
        assertThat(events).containsExactly(dialFailure(1, 484, "twilio refused the call: HTTP 400 (Twilio error 21211)"));
        assertThat(((CallEvent.CallFailed) events.get(0)).cause()).as("no phone number in the cause").doesNotContain("+44");
        assertThat(AttemptOutcome.fromSipCode(484)).isEqualTo(AttemptOutcome.CALLEE_UNAVAILABLE);
    }

    @Test
    void anUnreachableNumberEndsTheCallToo() {
        twilioAnswersCreate(400, error(21214, 400, "'To' phone number cannot be reached"));

        carrier().dial(dial(1));

        assertThat(queue.drain()).containsExactly(dialFailure(1, 404, "twilio refused the call: HTTP 400 (Twilio error 21214)"));
        assertThat(AttemptOutcome.fromSipCode(404).allowsFailover()).isFalse();
    }

    @Test
    void aRefusalOfThisAccountNotOfTheNumberFailsOver() {
        // Geo permissions (21215) or credentials (20003) are this account's problem: another carrier may do.
        twilioAnswersCreate(400, error(21215, 400, "Account not authorized to call this number"));
        carrier().dial(dial(1));
        twilioAnswersCreate(401, error(20003, 401, "Authenticate"));
        carrier().dial(dial(2));

        assertThat(queue.drain()).containsExactlyInAnyOrder(
                dialFailure(1, 0, "twilio refused the call: HTTP 400 (Twilio error 21215)"),
                dialFailure(2, 0, "twilio refused the call: HTTP 401 (Twilio error 20003)"));
        assertThat(AttemptOutcome.CARRIER_FAILURE.allowsFailover()).isTrue();
    }

    @Test
    void aRefusedConnectionIsACarrierFailureAndNothingIsLookedUp() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        carrier("http://127.0.0.1:" + closedPort).dial(dial(1));

        assertThat(queue.drain()).singleElement().isInstanceOfSatisfying(CallEvent.CallFailed.class, failed -> {
            assertThat(failed.sipCode()).isZero();
            assertThat(failed.switchSequence()).isEqualTo(1);
            assertThat(failed.cause()).startsWith("twilio unreachable");
        });
        twilio.verify(0, getRequestedFor(anyUrl()));
    }

    @Test
    void aRedeliveredFailedDialRepublishesTheSameEventAndDoesNotDialAgain() {
        twilioAnswersCreate(503, error(20500, 503, "Service Unavailable"));
        carrier().dial(dial(1));
        CallEvent first = queue.drain().get(0);

        carrier().dial(dial(1)); // FIFO dedup hides the repeat on the same queue: the id is what matters

        twilio.verify(1, postRequestedFor(urlEqualTo(CALLS)));
        assertThat(first.eventId()).isEqualTo(callId + ":1:dial-failed");
        assertThat(legs.byCall(callId, 1)).map(CarrierLeg::carrierLegId).contains("dial-failed:503:" + callId + ":1");
    }

    // ---- ambiguous dial ----------------------------------------------------------------------

    /** "Retrieve a List of Calls" for one status: a page with {@code calls}. */
    static void twilioListsLiveCalls(String status, String... calls) {
        twilio.stubFor(get(urlPathEqualTo(CALLS)).withQueryParam("Status", equalTo(status))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody("""
                        {"calls":[%s],"end":%d,"first_page_uri":"%s?PageSize=50&Page=0","next_page_uri":null,"page":0,
                         "page_size":50,"previous_page_uri":null,"start":0,"uri":"%s?PageSize=50&Page=0"}"""
                        .formatted(String.join(",", calls), Math.max(0, calls.length - 1), CALLS, CALLS))));
    }

    static String listed(String sid, String status, Instant created) {
        return """
                {"account_sid":"%s","date_created":"%s","direction":"outbound-api","from":"%s","sid":"%s","status":"%s","to":"%s"}"""
                .formatted(Fixtures.ACCOUNT_SID, Fixtures.rfc2822(created), Fixtures.FROM, sid, status, Fixtures.TO);
    }

    static void twilioHangsUp(String sid) {
        twilio.stubFor(post(callPath(sid)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(callResource(sid, "completed"))));
    }

    @Test
    void aTimedOutDialFailsOverAndHangsUpTheCallItMayHaveCreated() {
        String created = newSid();
        String older = newSid();
        String owned = newSid();
        legs.register("another-call", 1, Fixtures.PROVIDER, owned);
        twilio.stubFor(post(CALLS).willReturn(aResponse().withStatus(201).withFixedDelay(2_000)
                .withHeader("Content-Type", "application/json").withBody(callResource(created, "queued"))));
        twilioListsLiveCalls("queued");
        twilioListsLiveCalls("ringing", listed(created, "ringing", Fixtures.NOW),
                listed(older, "ringing", Fixtures.NOW.minusSeconds(7200)), listed(owned, "ringing", Fixtures.NOW));
        twilioListsLiveCalls("in-progress");
        twilioHangsUp(created);

        carrier().dial(dial(1));

        assertThat(queue.drain()).containsExactly(dialFailure(1, 0, "twilio did not answer within its timeout"));
        // The look-up: one request per live status, To and From ours, started since the dial's day.
        for (String status : List.of("queued", "ringing", "in-progress")) {
            twilio.verify(1, getRequestedFor(urlPathEqualTo(CALLS)).withQueryParam("Status", equalTo(status))
                    .withQueryParam("To", equalTo(Fixtures.TO)).withQueryParam("From", equalTo(Fixtures.FROM))
                    .withBasicAuth(new BasicCredentials(Fixtures.API_KEY_SID, Fixtures.API_KEY_SECRET)));
        }
        twilio.verify(1, getRequestedFor(urlPathEqualTo(CALLS)).withQueryParam("Status", equalTo("ringing"))
                .withQueryParam("StartTime>", equalTo("2026-11-23")));
        // Only the call no attempt owns and created since the dial is hung up.
        twilio.verify(1, postRequestedFor(urlEqualTo(callPath(created))).withRequestBody(equalTo("Status=completed")));
        twilio.verify(0, postRequestedFor(urlEqualTo(callPath(older))));
        twilio.verify(0, postRequestedFor(urlEqualTo(callPath(owned))));
        assertThat(legs.byCall(callId, 1)).map(CarrierLeg::carrierLegId).contains("dial-failed:0:" + callId + ":1");
    }

    @Test
    void aDroppedConnectionIsAnAmbiguousDialToo() {
        String created = newSid();
        twilio.stubFor(post(CALLS).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        twilioListsLiveCalls("queued", listed(created, "queued", Fixtures.NOW));
        twilioListsLiveCalls("ringing");
        twilioListsLiveCalls("in-progress");
        twilioHangsUp(created);

        carrier().dial(dial(1));

        assertThat(queue.drain()).extracting(CallEvent::eventId).containsExactly(callId + ":1:dial-failed");
        twilio.verify(1, postRequestedFor(urlEqualTo(callPath(created))).withRequestBody(equalTo("Status=completed")));
    }

    @Test
    void aFailedLookUpStillFailsTheAttemptOver() {
        twilio.stubFor(post(CALLS).willReturn(aResponse().withStatus(201).withBody("<html>proxy</html>")));
        twilio.stubFor(get(urlPathEqualTo(CALLS)).willReturn(aResponse().withStatus(500)));

        carrier().dial(dial(1));

        assertThat(queue.drain()).containsExactly(dialFailure(1, 0, "twilio answered HTTP 201 without a usable call sid"));
    }

    @Test
    void aTimedOutDialWhoseCallbackArrivedMeanwhileIsNotFailedAndNothingIsHungUp() {
        String early = newSid();
        twilio.stubFor(post(CALLS).willReturn(aResponse().withStatus(201).withFixedDelay(2_000)
                .withBody(callResource(early, "queued")).withTransformers("when-requested")));
        // While our request waits (it times out after 800 ms), the first status callback registers
        // the call, as TwilioStatusCallback does for a call it does not know yet.
        WhenRequested.action = () -> legs.register(callId, 1, Fixtures.PROVIDER, early);

        carrier().dial(dial(1));

        assertThat(queue.drain()).as("the call exists and reports itself: the attempt must not fail over").isEmpty();
        assertThat(legs.byCall(callId, 1)).map(CarrierLeg::carrierLegId).contains(early);
        twilio.verify(0, getRequestedFor(anyUrl()));
        twilio.verify(0, postRequestedFor(urlEqualTo(callPath(early))));
    }

    @Test
    void aSecondCallPlacedForAnAttemptThatIsAlreadyAnotherLegIsHungUp() {
        String duplicate = newSid();
        String first = newSid();
        twilio.stubFor(post(CALLS).willReturn(aResponse().withStatus(201)
                .withBody(callResource(duplicate, "queued")).withTransformers("when-requested")));
        twilioHangsUp(duplicate);
        // Another delivery of the same command placed the attempt while this one waited for Twilio.
        WhenRequested.action = () -> legs.register(callId, 1, Fixtures.PROVIDER, first);

        carrier().dial(dial(1));

        twilio.verify(1, postRequestedFor(urlEqualTo(callPath(duplicate))).withRequestBody(equalTo("Status=completed")));
        assertThat(legs.byCall(callId, 1)).map(CarrierLeg::carrierLegId).contains(first);
        assertThat(queue.drain()).isEmpty();
    }

    // ---- bridge ------------------------------------------------------------------------------

    static void twilioListsChildren(String parentSid, String... children) {
        twilio.stubFor(get(urlPathEqualTo(CALLS)).withQueryParam("ParentCallSid", equalTo(parentSid))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"calls\":[" + String.join(",", children) + "],\"page\":0,\"page_size\":1}")));
    }

    CallCommand.BridgeToNumber bridge(String caller) {
        return new CallCommand.BridgeToNumber(callId, 1, Fixtures.PROVIDER, caller, caller + "-c1");
    }

    @Test
    void bridgeDialsTheCallersVoiceSdkClientFromTheAnsweredLeg() {
        String sid = newSid();
        legs.register(callId, 1, Fixtures.PROVIDER, sid);
        twilioListsChildren(sid);
        twilio.stubFor(post(callPath(sid)).willReturn(aResponse().withStatus(200).withBody(callResource(sid, "in-progress"))));

        carrier().bridge(bridge("ann.lee"));

        twilio.verify(1, postRequestedFor(urlEqualTo(callPath(sid)))
                .withBasicAuth(new BasicCredentials(Fixtures.API_KEY_SID, Fixtures.API_KEY_SECRET))
                .withHeader("Content-Type", equalTo("application/x-www-form-urlencoded"))
                .withRequestBody(equalTo(Fixtures.form(List.of(Map.entry("Twiml",
                        "<Response><Dial timeout=\"30\"><Client><Identity>ann_2Elee</Identity>"
                                + "<Parameter name=\"callId\" value=\"" + callId + "\"/></Client></Dial></Response>"))))));
    }

    @Test
    void theBridgesTwimlIsWhatTwiliosOwnLibraryWrites() throws Exception {
        String ours = TwiML.dialClient("ann_2Elee", "call-1&<2>", Duration.ofSeconds(30));

        String twilios = new VoiceResponse.Builder().dial(new Dial.Builder().timeout(30)
                .client(new Client.Builder().identity(new Identity.Builder("ann_2Elee").build())
                        .parameter(new Parameter.Builder().name("callId").value("call-1&<2>").build()).build())
                .build()).build().toXml();

        assertThat(twilios).endsWith(ours); // the library adds an XML declaration
    }

    // ---- the caller's app, made ready while the number rings -----------------------------------

    @Test
    void dialHandsTheCallersConnectionAVoiceTokenBeforeTwilioIsAsked() throws Exception {
        String sid = newSid();
        AtomicInteger pushedBeforeCreate = new AtomicInteger(-1);
        WhenRequested.action = () -> pushedBeforeCreate.set(pushed.size());
        twilio.stubFor(post(CALLS).willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                .withBody(callResource(sid, "queued")).withTransformers("when-requested")));

        carrier().dial(dial(1));

        assertThat(pushedBeforeCreate).hasValue(1);
        assertThat(pushed).singleElement().satisfies(join -> {
            assertThat(join.callId()).isEqualTo(callId);
            assertThat(join.userId()).isEqualTo("alice");
            assertThat(join.connectionId()).isEqualTo("alice-c1");
            assertThat(join.provider()).isEqualTo("twilio");
        });
        JsonNode join = new ObjectMapper().readTree(pushed.get(0).join());
        assertThat(join.path("identity").asText()).isEqualTo("alice");
        assertThat(join.path("callParameters").path("callId").asText()).isEqualTo(callId);
        assertThat(join.path("expiresAt").asText()).isEqualTo(Fixtures.NOW.plus(Duration.ofHours(1)).toString());
        JwtClaims claims = TwilioAccessTokensTest.verify(join.path("accessToken").asText());
        assertThat(claims.getClaimValueAsString("grants")).isEqualTo("{identity=alice, voice={incoming={allow=true}}}");
        // the app that missed the push reads the same from the API (call-media)
        assertThat(callMedia.joinOf(callId, "alice")).get().satisfies(stored -> {
            assertThat(stored.provider()).isEqualTo("twilio");
            assertThat(stored.join()).isEqualTo(pushed.get(0).join());
        });
        assertThat(callMedia.joinOf(callId, "bob")).isEmpty();
    }

    @Test
    void aRedeliveredDialHandsNoSecondToken() {
        twilioAnswersCreate(201, callResource(newSid(), "queued"));

        carrier().dial(dial(1));
        carrier().dial(dial(1));

        assertThat(pushed).hasSize(1);
    }

    @Test
    void noTokenIsHandedForACallWhoseMediaIsClosedAndTheDialStillGoesOut() {
        callMedia.open(new DynamoDbCallMedia.MediaSession(callId, "chime-meetings", "m-1", "{}", "alice", "alice-c1",
                "bob"), Fixtures.NOW.plusSeconds(600));
        callMedia.close(callId, Fixtures.NOW.plusSeconds(600));
        twilioAnswersCreate(201, callResource(newSid(), "queued"));

        carrier().dial(dial(1));

        assertThat(pushed).isEmpty();
        twilio.verify(1, postRequestedFor(urlEqualTo(CALLS)));
    }

    static TwilioCarrier carrierWithSecrets(TwilioSecretSource secrets) {
        Clock clock = Clock.fixed(Fixtures.NOW, ZoneOffset.UTC);
        TwilioConfig config = Fixtures.config(twilio.baseUrl(), secrets);
        return new TwilioCarrier(new TwilioApi(config), new CallerClient(config, callMedia, pushed::add, clock), legs,
                new SqsCallStateChanges(sqs, queue.url()), clock);
    }

    @Test
    void secretsThatCannotBeReadFailTheAttemptOverInsteadOfHoldingTheCallBehindARetriedDial() {
        TwilioCarrier noSecrets = carrierWithSecrets(() -> {
            throw new IllegalStateException("Secrets Manager unreachable before the first read");
        });

        noSecrets.dial(dial(1));

        assertThat(queue.drain()).singleElement().satisfies(failed -> {
            assertThat(failed).isInstanceOf(CallEvent.CallFailed.class);
            assertThat(((CallEvent.CallFailed) failed).sipCode()).isZero(); // a carrier failure: failover
        });
        assertThat(pushed).isEmpty();
        twilio.verify(0, postRequestedFor(urlEqualTo(CALLS)));
    }

    @Test
    void secretsLostBetweenTheTokenAndTheCreateFailTheAttemptOverWithNothingSent() {
        AtomicInteger reads = new AtomicInteger();
        TwilioCarrier flaky = carrierWithSecrets(() -> {
            if (reads.getAndIncrement() == 0) {
                return Fixtures.SECRETS; // the token is minted
            }
            throw new IllegalStateException("Secrets Manager unreachable");
        });

        flaky.dial(dial(1));

        assertThat(queue.drain()).singleElement().isInstanceOf(CallEvent.CallFailed.class);
        twilio.verify(0, postRequestedFor(urlEqualTo(CALLS)));
    }

    @Test
    void aChargedCallsTimeLimitIsTheTalkItsReservationPaysFor() {
        twilioAnswersCreate(201, callResource(newSid(), "queued"));

        carrier().dial(new CallCommand.DialNumber(callId, 1, Fixtures.PROVIDER, "alice", "alice-c1", Fixtures.TO,
                Duration.ofSeconds(754)));

        twilio.verify(1, postRequestedFor(urlEqualTo(CALLS)).withRequestBody(containing("&TimeLimit=754")));
        assertThat(TwilioCarrier.timeLimit(dial(1), Duration.ofHours(4))).isEqualTo(Duration.ofHours(4));
        assertThat(TwilioCarrier.timeLimit(new CallCommand.DialNumber(callId, 1, Fixtures.PROVIDER, "alice", "alice-c1",
                Fixtures.TO, Duration.ofHours(9)), Duration.ofHours(4))).isEqualTo(Duration.ofHours(4));
    }

    @Test
    void aRepeatedBridgeDoesNotDialTheAppAgain() {
        String sid = newSid();
        legs.register(callId, 1, Fixtures.PROVIDER, sid);
        twilioListsChildren(sid, listed(newSid(), "in-progress", Fixtures.NOW));

        carrier().bridge(bridge("alice"));

        twilio.verify(0, postRequestedFor(urlEqualTo(callPath(sid))));
    }

    @Test
    void bridgingACallThatHasEndedIsNotRetried() {
        String gone = newSid();
        String over = newSid();
        legs.register(callId, 1, Fixtures.PROVIDER, gone);
        legs.register(callId, 2, Fixtures.PROVIDER, over);
        twilioListsChildren(gone);
        twilioListsChildren(over);
        twilio.stubFor(post(callPath(gone)).willReturn(aResponse().withStatus(404)
                .withBody(error(20404, 404, "The requested resource was not found"))));
        twilio.stubFor(post(callPath(over)).willReturn(aResponse().withStatus(400)
                .withBody(error(21220, 400, "Call is not in-progress. Cannot redirect."))));

        carrier().bridge(bridge("alice"));
        carrier().bridge(new CallCommand.BridgeToNumber(callId, 2, Fixtures.PROVIDER, "alice", "alice-c1"));

        twilio.verify(1, postRequestedFor(urlEqualTo(callPath(gone))));
        twilio.verify(1, postRequestedFor(urlEqualTo(callPath(over))));
    }

    @Test
    void bridgeFailureThrowsSoTheCommandIsRedelivered() {
        String sid = newSid();
        legs.register(callId, 1, Fixtures.PROVIDER, sid);
        twilioListsChildren(sid);
        twilio.stubFor(post(callPath(sid)).willReturn(aResponse().withStatus(500)));

        assertThatThrownBy(() -> carrier().bridge(bridge("alice")))
                .isInstanceOf(TwilioApiException.class).hasMessageContaining("HTTP 500");
    }

    @Test
    void bridgeOfAnAttemptWithoutCallThrowsAndSendsNothing() {
        assertThatThrownBy(() -> carrier().bridge(bridge("alice"))).isInstanceOf(IllegalStateException.class);
        twilio.verify(0, postRequestedFor(anyUrl()));
        twilio.verify(0, getRequestedFor(anyUrl()));
    }

    // ---- hang-up -----------------------------------------------------------------------------

    @Test
    void hangUpCompletesTheCallWhateverStateItIsIn() {
        String sid = newSid();
        legs.register(callId, 1, Fixtures.PROVIDER, sid);
        twilioHangsUp(sid);

        carrier().hangUp(new CallCommand.HangUpNumber(callId, 1, Fixtures.PROVIDER));

        twilio.verify(1, postRequestedFor(urlEqualTo(callPath(sid)))
                .withBasicAuth(new BasicCredentials(Fixtures.API_KEY_SID, Fixtures.API_KEY_SECRET))
                .withRequestBody(equalTo("Status=completed")));
    }

    @Test
    void hangingUpACallThatHasEndedIsDone() {
        String gone = newSid();
        String over = newSid();
        legs.register(callId, 1, Fixtures.PROVIDER, gone);
        legs.register(callId, 2, Fixtures.PROVIDER, over);
        twilio.stubFor(post(callPath(gone)).willReturn(aResponse().withStatus(404).withBody(error(20404, 404, "Not found"))));
        twilio.stubFor(post(callPath(over)).willReturn(aResponse().withStatus(400).withBody(error(21220, 400, "Invalid call state"))));

        carrier().hangUp(new CallCommand.HangUpNumber(callId, 1, Fixtures.PROVIDER));
        carrier().hangUp(new CallCommand.HangUpNumber(callId, 2, Fixtures.PROVIDER));

        twilio.verify(2, postRequestedFor(anyUrl()));
    }

    @Test
    void hangUpFailureThrowsSoTheCommandIsRedelivered() {
        String sid = newSid();
        legs.register(callId, 1, Fixtures.PROVIDER, sid);
        twilio.stubFor(post(callPath(sid)).willReturn(aResponse().withStatus(502)));

        assertThatThrownBy(() -> carrier().hangUp(new CallCommand.HangUpNumber(callId, 1, Fixtures.PROVIDER)))
                .isInstanceOf(TwilioApiException.class).hasMessageContaining("HTTP 502");
    }

    @Test
    void hangUpOfAnAttemptWithoutCallSendsNothing() {
        twilioAnswersCreate(503, error(20500, 503, "Service Unavailable"));
        carrier().dial(dial(1)); // failed: the attempt holds a failed-dial marker
        twilio.resetRequests();

        carrier().hangUp(new CallCommand.HangUpNumber(callId, 1, Fixtures.PROVIDER));
        carrier().hangUp(new CallCommand.HangUpNumber(callId, 7, Fixtures.PROVIDER));

        twilio.verify(0, postRequestedFor(anyUrl()));
    }


    // ---- check: "Fetch a Call" -----------------------------------------------------------------
    // (the same through TwilioStub, with calls the adapter dials: TwilioCheckTest)

    /**
     * A Call resource as "Fetch a Call" answers it: the API reference's example (status, start_time,
     * end_time in RFC 2822, duration a string of seconds) with our account, SID and numbers.
     */
    static String fetchedCall(String sid, String status, String startTime, String endTime, String duration) {
        return """
                {"account_sid":"%s","annotation":null,"answered_by":null,"api_version":"2010-04-01","caller_name":null,
                 "date_created":"Mon, 23 Nov 2026 09:54:58 +0000","date_updated":"Mon, 23 Nov 2026 09:58:42 +0000",
                 "direction":"outbound-api","duration":%s,"end_time":%s,"forwarded_from":null,"from":"%s",
                 "from_formatted":"(415) 555-0100","group_sid":null,"parent_call_sid":null,"phone_number_sid":null,
                 "price":null,"price_unit":"USD","queue_time":"0","sid":"%s","start_time":%s,"status":"%s",
                 "to":"%s","to_formatted":"+442071838750","trunk_sid":null,
                 "uri":"/2010-04-01/Accounts/%s/Calls/%s.json"}"""
                .formatted(Fixtures.ACCOUNT_SID, quoted(duration), quoted(endTime), Fixtures.FROM, sid, quoted(startTime), status,
                        Fixtures.TO, Fixtures.ACCOUNT_SID, sid);
    }

    static String quoted(String value) {
        return value == null ? "null" : "\"" + value + "\"";
    }

    static void twilioFetches(String sid, int status, String body) {
        twilio.stubFor(get(urlEqualTo(callPath(sid))).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    CallCommand.CheckNumber check(int attempt) {
        return new CallCommand.CheckNumber(callId, attempt, Fixtures.PROVIDER);
    }

    CallEvent.CallHungUp legEnded(int attempt, Instant at) {
        return new CallEvent.CallHungUp(callId + ":" + attempt + ":leg-ended", callId, at, attempt, 0, Party.CALLEE);
    }

    @Test
    void checkFetchesTheCallAsDocumentedAndReportsTheCalleesHangUpAtItsEndTime() {
        String sid = newSid();
        legs.register(callId, 1, Fixtures.PROVIDER, sid);
        twilioFetches(sid, 200, fetchedCall(sid, "completed", "Mon, 23 Nov 2026 09:55:00 +0000",
                "Mon, 23 Nov 2026 09:58:41 +0000", "221"));

        carrier().check(check(1));

        twilio.verify(1, getRequestedFor(urlEqualTo(callPath(sid)))
                .withBasicAuth(new BasicCredentials(Fixtures.API_KEY_SID, Fixtures.API_KEY_SECRET))
                .withHeader("Accept", equalTo("application/json")));
        twilio.verify(0, postRequestedFor(anyUrl()));
        assertThat(queue.drain()).containsExactly(legEnded(1, Instant.parse("2026-11-23T09:58:41Z")));
    }

    @Test
    void everyFinalStatusIsAnEndAndNoOtherIs() {
        List<String> statuses = List.of("completed", "canceled", "failed", "busy", "no-answer", "queued", "ringing", "in-progress");
        for (int i = 0; i < statuses.size(); i++) {
            String sid = newSid();
            legs.register(callId, i + 1, Fixtures.PROVIDER, sid);
            twilioFetches(sid, 200, fetchedCall(sid, statuses.get(i), "Mon, 23 Nov 2026 09:55:00 +0000",
                    i < 5 ? "Mon, 23 Nov 2026 09:5" + i + ":10 +0000" : null, null));
        }

        for (int attempt = 1; attempt <= statuses.size(); attempt++) {
            carrier().check(check(attempt));
        }

        twilio.verify(statuses.size(), getRequestedFor(anyUrl()));
        assertThat(queue.drain()).containsExactlyInAnyOrder(legEnded(1, Instant.parse("2026-11-23T09:50:10Z")),
                legEnded(2, Instant.parse("2026-11-23T09:51:10Z")), legEnded(3, Instant.parse("2026-11-23T09:52:10Z")),
                legEnded(4, Instant.parse("2026-11-23T09:53:10Z")), legEnded(5, Instant.parse("2026-11-23T09:54:10Z")));
    }

    @Test
    void withoutEndTimeTheEndIsStartTimePlusDurationElseOurClock() {
        String counted = newSid();
        legs.register(callId, 1, Fixtures.PROVIDER, counted);
        twilioFetches(counted, 200, fetchedCall(counted, "completed", "Mon, 23 Nov 2026 09:55:00 +0000", null, "221"));
        String bare = newSid();
        legs.register(callId, 2, Fixtures.PROVIDER, bare);
        twilioFetches(bare, 200, fetchedCall(bare, "completed", null, "not a date", null));

        carrier().check(check(1));
        carrier().check(check(2));

        assertThat(queue.drain()).containsExactlyInAnyOrder(legEnded(1, Instant.parse("2026-11-23T09:58:41Z")),
                legEnded(2, Fixtures.NOW));
    }

    @Test
    void twilioFailingOrNotKnowingTheCallIsLoggedNotThrownAndPublishesNothing() {
        String refused = newSid();
        String gone = newSid();
        String reset = newSid();
        String garbled = newSid();
        legs.register(callId, 1, Fixtures.PROVIDER, refused);
        legs.register(callId, 2, Fixtures.PROVIDER, gone);
        legs.register(callId, 3, Fixtures.PROVIDER, reset);
        legs.register(callId, 4, Fixtures.PROVIDER, garbled);
        twilioFetches(refused, 503, error(20503, 503, "Service Unavailable"));
        twilioFetches(gone, 404, error(20404, 404, "The requested resource was not found"));
        twilio.stubFor(get(urlEqualTo(callPath(reset))).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        twilioFetches(garbled, 200, "<html>proxy</html>");

        for (int attempt = 1; attempt <= 4; attempt++) {
            carrier().check(check(attempt));
        }

        twilio.verify(1, getRequestedFor(urlEqualTo(callPath(refused))));
        twilio.verify(1, getRequestedFor(urlEqualTo(callPath(gone))));
        twilio.verify(com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly(1),
                getRequestedFor(urlEqualTo(callPath(reset)))); // the JDK's client repeats a reset GET once itself
        twilio.verify(1, getRequestedFor(urlEqualTo(callPath(garbled))));
        assertThat(queue.drain()).as("the next check asks again").isEmpty();
    }

    @Test
    void secretsThatCannotBeReadMakeACheckDoNothing() {
        String sid = newSid();
        legs.register(callId, 1, Fixtures.PROVIDER, sid);
        twilioFetches(sid, 200, fetchedCall(sid, "completed", null, "Mon, 23 Nov 2026 09:58:41 +0000", "221"));
        TwilioCarrier noSecrets = carrierWithSecrets(() -> {
            throw new IllegalStateException("Secrets Manager unreachable");
        });

        noSecrets.check(check(1));
        carrier().check(check(1)); // the secrets are back

        twilio.verify(1, getRequestedFor(anyUrl()));
        assertThat(queue.drain()).containsExactly(legEnded(1, Instant.parse("2026-11-23T09:58:41Z")));
    }

    @Test
    void checkOfAnAttemptWithoutCallAsksNothing() {
        twilioAnswersCreate(503, error(20500, 503, "Service Unavailable"));
        carrier().dial(dial(1)); // failed: the attempt holds a failed-dial marker
        queue.drain();
        String sid = newSid();
        legs.register(callId, 2, Fixtures.PROVIDER, sid);
        twilio.stubFor(get(com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(".*/Calls/.*")).willReturn(aResponse()
                .withStatus(200).withBody(fetchedCall(sid, "completed", null, "Mon, 23 Nov 2026 09:58:41 +0000", "221"))));

        carrier().check(check(1));
        carrier().check(check(7));
        carrier().check(check(2));

        twilio.verify(1, getRequestedFor(anyUrl()));
        twilio.verify(1, getRequestedFor(urlEqualTo(callPath(sid))));
        assertThat(queue.drain()).containsExactly(legEnded(2, Instant.parse("2026-11-23T09:58:41Z")));
    }

    @Test
    void commandsForAnotherCarrierAreRefused() {
        assertThatThrownBy(() -> carrier().dial(new CallCommand.DialNumber(callId, 1, "other", "alice", "alice-c1", Fixtures.TO, null)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> carrier().hangUp(new CallCommand.HangUpNumber(callId, 1, "other")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
