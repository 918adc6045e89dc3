package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.calling.embedded.TwilioStub.Delivery;
import dev.calling.embedded.TwilioStub.Script;
import dev.calling.embedded.TwilioStub.SentCallback;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stub plays Twilio's side as Twilio documents it, driven with plain HTTP the way the adapter drives
 * it: the create form, Basic authentication, the update and list requests; its callbacks are received by
 * a small webhook here that checks every signature with its own HMAC code, and refuses (403) a bad one.
 */
class TwilioStubTest {

    static final String ACCOUNT = "AC" + "ab".repeat(16);
    static final String TOKEN = "stub_test_auth_token";
    static final String KEY = "SK" + "cd".repeat(16);
    static final String KEY_SECRET = "stub_test_key_secret";
    static final String FROM = "+14155550100";
    static final String HOLD = "<Response><Pause length=\"60\"/></Response>";
    static final Duration WAIT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    /** One callback as our webhook got it. */
    record Received(String rawQuery, Map<String, String> form, String signature, boolean validSignature) {
        String status() {
            return form.get("CallStatus") + "#" + form.get("SequenceNumber");
        }
    }

    static HttpServer webhook;
    static final List<Received> received = new CopyOnWriteArrayList<>();
    static volatile String signingToken = TOKEN;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    TwilioStub twilio;
    String callId;

    @BeforeAll
    static void startWebhook() throws IOException {
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hooks", exchange -> {
            Map<String, String> form = new TreeMap<>();
            for (String pair : new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
                String[] kv = pair.split("=", 2);
                form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
            }
            String query = exchange.getRequestURI().getRawQuery();
            String signature = exchange.getRequestHeaders().getFirst("X-Twilio-Signature");
            boolean valid = expectedSignature(signingToken, hooksUrl() + "?" + query, form).equals(signature);
            received.add(new Received(query, form, signature, valid));
            exchange.sendResponseHeaders(valid ? 200 : 403, -1);
            exchange.close();
        });
        webhook.start();
    }

    @AfterAll
    static void stopWebhook() {
        webhook.stop(0);
    }

    @BeforeEach
    void startStub() {
        twilio = new TwilioStub(ACCOUNT, TOKEN, KEY, KEY_SECRET);
        callId = UUID.randomUUID().toString();
        signingToken = TOKEN;
    }

    @AfterEach
    void stopStub() {
        twilio.close();
    }

    // --- signatures ----------------------------------------------------------------------------

    @Test
    void signsAsTwiliosDocumentedExampleDoes() {
        // https://www.twilio.com/docs/usage/webhooks/webhooks-security, "Validating Signatures from Twilio"
        String url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        Map<String, String> params = Map.of("CallSid", "CA1234567890ABCDE", "Caller", "+12349013030",
                "Digits", "1234", "From", "+12349013030", "To", "+18005551212");

        assertThat(TwilioStub.sign("12345", url, params)).isEqualTo("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assertThat(expectedSignature("12345", url, params)).as("this test's own HMAC code").isEqualTo("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }

    // --- calls and their callbacks ---------------------------------------------------------------

    @Test
    void anAnsweredCallIsReportedRingingInProgressCompletedSignedAndNumbered() throws Exception {
        twilio.on("+442071838750", new Script.Answers(Duration.ofMillis(100), Duration.ofMillis(200)));

        HttpResponse<String> created = create("+442071838750", Map.of());

        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode call = JSON.readTree(created.body());
        String sid = call.path("sid").asText();
        assertThat(sid).matches("CA[0-9a-f]{32}");
        assertThat(call.path("status").asText()).isEqualTo("queued");
        assertThat(call.path("to").asText()).isEqualTo("+442071838750");
        assertThat(call.path("from").asText()).isEqualTo(FROM);
        assertThat(call.path("account_sid").asText()).isEqualTo(ACCOUNT);
        assertThat(call.path("parent_call_sid").isNull()).isTrue();
        assertThat(ZonedDateTime.parse(call.path("date_created").asText(), DateTimeFormatter.RFC_1123_DATE_TIME)).isNotNull();

        List<Received> callbacks = awaitCallbacks(3);
        assertThat(callbacks).extracting(Received::status).containsExactly("ringing#0", "in-progress#1", "completed#2");
        assertThat(callbacks).allSatisfy(c -> {
            assertThat(c.validSignature()).as("signed with the auth token over the exact URL").isTrue();
            assertThat(c.rawQuery()).isEqualTo("callId=" + callId + "&attempt=1");
            assertThat(c.form()).containsEntry("AccountSid", ACCOUNT).containsEntry("CallSid", sid)
                    .containsEntry("CallbackSource", "call-progress-events").containsEntry("Direction", "outbound-api")
                    .containsEntry("ApiVersion", "2010-04-01").containsEntry("To", "+442071838750").containsEntry("From", FROM);
            assertThat(ZonedDateTime.parse(c.form().get("Timestamp"), DateTimeFormatter.RFC_1123_DATE_TIME)).isNotNull();
        });
        assertThat(callbacks.get(0).form()).doesNotContainKeys("SipResponseCode", "CallDuration");
        assertThat(callbacks.get(2).form()).containsEntry("SipResponseCode", "200").containsKey("CallDuration");

        // The stub records a callback once our receiver's answer is back, a moment after the receiver saw it.
        await(() -> twilio.sentCallbacks(sid).size() >= 3, "the stub's record of its 3 callbacks");
        assertThat(twilio.sentCallbacks(sid)).extracting(SentCallback::callStatus, SentCallback::sequenceNumber, SentCallback::httpStatus)
                .containsExactly(tuple("ringing", 0L, 200), tuple("in-progress", 1L, 200), tuple("completed", 2L, 200));
        TwilioStub.StubCall made = twilio.callsTo("+442071838750").get(0);
        assertThat(made.sid).isEqualTo(sid);
        assertThat(made.status()).isEqualTo("completed");
        assertThat(made.hungUpByApi()).isFalse();
        assertThat(made.form.get("StatusCallbackEvent")).containsExactly("ringing", "answered", "completed");
        assertThat(twilio.liveCalls()).isEmpty();
    }

    @Test
    void aBusyNumberRingsThenReportsBusyWithSip486() throws Exception {
        twilio.on("+33612345678", new Script.Busy(Duration.ofMillis(100)));

        assertThat(create("+33612345678", Map.of()).statusCode()).isEqualTo(201);

        List<Received> callbacks = awaitCallbacks(2);
        assertThat(callbacks).extracting(Received::status).containsExactly("ringing#0", "busy#1");
        assertThat(callbacks.get(1).form()).containsEntry("SipResponseCode", "486").containsEntry("CallDuration", "0");
    }

    @Test
    void aRingingCallThatIsNotAnsweredWithinItsTimeoutIsANoAnswer() throws Exception {
        twilio.twilioSecond(Duration.ofMillis(100)).on("+33612345679", new Script.NoAnswer());

        assertThat(create("+33612345679", Map.of("Timeout", "2")).statusCode()).isEqualTo(201);

        List<Received> callbacks = awaitCallbacks(2);
        assertThat(callbacks).extracting(Received::status).containsExactly("ringing#0", "no-answer#1");
        assertThat(callbacks.get(1).form()).containsEntry("SipResponseCode", "487");
        assertThat(twilio.callsTo("+33612345679").get(0).status()).isEqualTo("no-answer");
    }

    @Test
    void aCallThatFailsIsReportedFailedWithItsSipCode() throws Exception {
        twilio.on("+33612345670", new Script.Fails(503, Duration.ofMillis(100)));

        assertThat(create("+33612345670", Map.of()).statusCode()).isEqualTo(201);

        List<Received> callbacks = awaitCallbacks(1);
        assertThat(callbacks).extracting(Received::status).containsExactly("failed#0");
        assertThat(callbacks.get(0).form()).containsEntry("SipResponseCode", "503");
    }

    @Test
    void anAnsweredCallEndsAtItsTimeLimitOrWhenItsPauseRunsOutUnbridged() throws Exception {
        twilio.twilioSecond(Duration.ofMillis(100));
        twilio.on("+4915112345678", new Script.Answers(Duration.ofMillis(100), null));

        create("+4915112345678", Map.of("TimeLimit", "3"));
        List<Received> limited = awaitCallbacks(3);
        assertThat(limited).extracting(Received::status).containsExactly("ringing#0", "in-progress#1", "completed#2");
        assertThat(Long.parseLong(limited.get(2).form().get("CallDuration"))).as("Twilio seconds").isGreaterThanOrEqualTo(3);

        received.clear();
        create("+4915112345678", Map.of("Twiml", "<Response><Pause length=\"2\"/></Response>"));
        assertThat(awaitCallbacks(3)).extracting(Received::status).containsExactly("ringing#0", "in-progress#1", "completed#2");
        assertThat(twilio.callsTo("+4915112345678")).extracting(TwilioStub.StubCall::status).containsOnly("completed");
    }

    // --- create refused or ambiguous ----------------------------------------------------------------

    @Test
    void aRefusedCreateAnswersTwiliosErrorAndCreatesNoCall() throws Exception {
        twilio.on("+44791112", new Script.Refused(400, 21211));

        HttpResponse<String> refused = create("+44791112", Map.of());

        assertThat(refused.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(refused.body());
        assertThat(error.path("code").asInt()).isEqualTo(21211);
        assertThat(error.path("status").asInt()).isEqualTo(400);
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.path("more_info").asText()).isEqualTo("https://www.twilio.com/docs/errors/21211");
        assertThat(twilio.callsTo("+44791112")).isEmpty();

        HttpResponse<String> invalid = create("12345", Map.of());
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(invalid.body()).path("code").asInt()).isEqualTo(21211);
    }

    @Test
    void theNextCreatesFailUntilTheCountIsUsedUpOrHealed() throws Exception {
        twilio.failNextCreates(2, 503, 20503);

        assertThat(create("+442071838751", Map.of()).statusCode()).isEqualTo(503);
        HttpResponse<String> second = create("+442071838751", Map.of());
        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(second.body()).path("code").asInt()).isEqualTo(20503);
        assertThat(create("+442071838751", Map.of()).statusCode()).isEqualTo(201);

        twilio.failNextCreates(100, 429, 20429);
        assertThat(create("+442071838751", Map.of()).statusCode()).isEqualTo(429);
        twilio.heal();
        assertThat(create("+442071838751", Map.of()).statusCode()).isEqualTo(201);
        assertThat(twilio.callsTo("+442071838751")).hasSize(2);
    }

    @Test
    void aCreateWhoseConnectionIsResetStillMakesTheCallAndItReportsItself() throws Exception {
        twilio.on("+442071838752", new Script.ReplyLost(new Script.Answers(Duration.ofMillis(100), null), Duration.ofMillis(50)));

        assertThatThrownBy(() -> create("+442071838752", Map.of())).isInstanceOf(IOException.class);

        assertThat(awaitCallbacks(2)).extracting(Received::status).containsExactly("ringing#0", "in-progress#1");
        String sid = twilio.callsTo("+442071838752").get(0).sid;
        JsonNode live = JSON.readTree(get("?To=%2B442071838752&From=" + URLEncoder.encode(FROM, StandardCharsets.UTF_8)
                + "&Status=in-progress&StartTime%3E=" + LocalDate.now(ZoneOffset.UTC) + "&PageSize=50").body());
        assertThat(live.path("calls")).extracting(c -> c.path("sid").asText()).containsExactly(sid);
    }

    @Test
    void aCreateWhoseReplyComesTooLateStillMakesTheCallAndItReportsItself() throws Exception {
        twilio.on("+442071838753", new Script.ReplyLate(Duration.ofSeconds(3), new Script.Answers(Duration.ofMillis(100), null)));

        assertThatThrownBy(() -> create("+442071838753", Map.of(), Duration.ofMillis(800))).isInstanceOf(HttpTimeoutException.class);

        assertThat(awaitCallbacks(2)).extracting(Received::status).containsExactly("ringing#0", "in-progress#1");
        assertThat(twilio.liveCalls()).extracting(c -> c.to).containsExactly("+442071838753");
    }

    // --- bridge, hang-up, list -------------------------------------------------------------------------

    @Test
    void aBridgedCallHasAChildCallAndOurHangUpCompletesIt() throws Exception {
        twilio.on("+33612345671", new Script.Answers(Duration.ofMillis(100), null));
        String sid = JSON.readTree(create("+33612345671", Map.of()).body()).path("sid").asText();
        awaitCallbacks(2);

        assertThat(update(sid, "Twiml", "<Response><Dial><Client>alice</Client></Dial></Response>").statusCode()).isEqualTo(200);

        assertThat(twilio.call(sid).orElseThrow().bridgedTo()).isEqualTo("alice");
        JsonNode children = JSON.readTree(get("?ParentCallSid=" + sid + "&PageSize=1").body()).path("calls");
        assertThat(children).hasSize(1);
        assertThat(children.get(0).path("parent_call_sid").asText()).isEqualTo(sid);
        assertThat(children.get(0).path("to").asText()).isEqualTo("client:alice");
        assertThat(children.get(0).path("status").asText()).isEqualTo("in-progress");

        // The adapter's long form, with a custom parameter: a second bridge replaces the first.
        update(sid, "Twiml", "<Response><Dial timeout=\"30\"><Client><Identity>bob_2Dx</Identity>"
                + "<Parameter name=\"callId\" value=\"c1\"/></Client></Dial></Response>");
        assertThat(twilio.call(sid).orElseThrow().bridgedTo()).isEqualTo("bob_2Dx");
        assertThat(JSON.readTree(get("?ParentCallSid=" + sid + "&PageSize=50").body()).path("calls"))
                .extracting(c -> c.path("to").asText() + " " + c.path("status").asText())
                .containsExactly("client:bob_2Dx in-progress", "client:alice completed");

        assertThat(update(sid, "Status", "completed").statusCode()).isEqualTo(200);

        List<Received> callbacks = awaitCallbacks(3);
        assertThat(callbacks).extracting(Received::status).containsExactly("ringing#0", "in-progress#1", "completed#2");
        assertThat(callbacks.get(2).form()).containsEntry("SipResponseCode", "200").containsKey("CallDuration");
        assertThat(twilio.call(sid).orElseThrow().hungUpByApi()).isTrue();
        assertThat(twilio.liveCalls()).as("the client legs end with the call").isEmpty();

        HttpResponse<String> redirectEnded = update(sid, "Twiml", "<Response><Dial><Client>alice</Client></Dial></Response>");
        assertThat(redirectEnded.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(redirectEnded.body()).path("code").asInt()).isEqualTo(21220);
        assertThat(update(sid, "Status", "completed").statusCode()).as("hanging up an ended call").isEqualTo(200);
        HttpResponse<String> unknown = update("CA" + "0".repeat(32), "Status", "completed");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("code").asInt()).isEqualTo(20404);
        assertThat(awaitCallbacks(3)).as("nothing more was reported").hasSize(3);
    }

    @Test
    void hangingUpARingingCallCancelsItAndCancelingAnAnsweredOneDoesNothing() throws Exception {
        twilio.on("+33612345672", new Script.NoAnswer());
        String ringing = JSON.readTree(create("+33612345672", Map.of()).body()).path("sid").asText();
        awaitCallbacks(1);

        assertThat(update(ringing, "Status", "completed").statusCode()).isEqualTo(200);

        List<Received> callbacks = awaitCallbacks(2);
        assertThat(callbacks).extracting(Received::status).containsExactly("ringing#0", "canceled#1");
        assertThat(callbacks.get(1).form()).containsEntry("SipResponseCode", "487").containsEntry("CallDuration", "0");
        assertThat(twilio.call(ringing).orElseThrow().hungUpByApi()).isTrue();

        received.clear();
        twilio.on("+33612345673", new Script.Answers(Duration.ofMillis(100), null));
        callId = UUID.randomUUID().toString();
        String answered = JSON.readTree(create("+33612345673", Map.of()).body()).path("sid").asText();
        awaitCallbacks(2);
        assertThat(update(answered, "Status", "canceled").statusCode()).isEqualTo(200);
        assertThat(twilio.call(answered).orElseThrow().status()).isEqualTo("in-progress");
    }

    @Test
    void aFetchedCallShowsItsCurrentStatusAndOnceEndedItsEndTime() throws Exception {
        // "Fetch a Call", https://www.twilio.com/docs/voice/api/call-resource: status, start_time, end_time and
        // duration as the API reference's example has them ("end_time": "Fri, 18 Oct 2019 17:03:00 +0000", "duration": "4").
        twilio.on("+33612345674", new Script.Answers(Duration.ofMillis(100), null));
        String sid = JSON.readTree(create("+33612345674", Map.of()).body()).path("sid").asText();
        awaitCallbacks(2);

        HttpResponse<String> up = fetch(sid);
        assertThat(up.statusCode()).isEqualTo(200);
        JsonNode live = JSON.readTree(up.body());
        assertThat(live.path("sid").asText()).isEqualTo(sid);
        assertThat(live.path("status").asText()).isEqualTo("in-progress");
        assertThat(ZonedDateTime.parse(live.path("start_time").asText(), DateTimeFormatter.RFC_1123_DATE_TIME)).isNotNull();
        assertThat(live.path("end_time").isNull()).isTrue();
        assertThat(live.path("duration").isNull()).as("empty for ongoing calls").isTrue();

        update(sid, "Status", "completed");
        awaitCallbacks(3);
        JsonNode over = JSON.readTree(fetch(sid).body());
        assertThat(over.path("status").asText()).isEqualTo("completed");
        assertThat(over.path("end_time").asText()).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000");
        assertThat(ZonedDateTime.parse(over.path("end_time").asText(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant())
                .isEqualTo(twilio.call(sid).orElseThrow().ended().orElseThrow().truncatedTo(ChronoUnit.SECONDS));
        assertThat(over.path("duration").asText()).matches("\\d+");

        twilio.on("+33612345675", new Script.Busy(Duration.ZERO));
        String busy = JSON.readTree(create("+33612345675", Map.of()).body()).path("sid").asText();
        await(() -> twilio.call(busy).orElseThrow().status().equals("busy"), "the busy call ended");
        JsonNode unanswered = JSON.readTree(fetch(busy).body());
        assertThat(unanswered.path("status").asText()).isEqualTo("busy");
        assertThat(unanswered.path("end_time").isTextual()).isTrue();
        assertThat(unanswered.path("duration").isNull()).as("empty for busy, failed, unanswered or ongoing calls").isTrue();

        HttpResponse<String> unknown = fetch("CA" + "0".repeat(32));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("code").asInt()).isEqualTo(20404);
    }

    @Test
    void theNextFetchesFailUntilTheCountIsUsedUpOrHealed() throws Exception {
        twilio.on("+33612345676", new Script.Answers(Duration.ofMillis(100), null));
        String sid = JSON.readTree(create("+33612345676", Map.of()).body()).path("sid").asText();
        twilio.failNextFetches(1, 503, 20503);

        HttpResponse<String> refused = fetch(sid);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(refused.body()).path("code").asInt()).isEqualTo(20503);
        assertThat(fetch(sid).statusCode()).isEqualTo(200);

        twilio.failNextFetches(100, 500, 20500);
        assertThat(fetch(sid).statusCode()).isEqualTo(500);
        assertThat(create("+33612345676", Map.of()).statusCode()).as("creates are not affected").isEqualTo(201);
        twilio.heal();
        assertThat(fetch(sid).statusCode()).isEqualTo(200);
        assertThat(twilio.call(sid).orElseThrow().isLive()).as("the call itself goes on").isTrue();
    }

    @Test
    void callsAreListedByNumberStatusAndStartDay() throws Exception {
        twilio.on("+442071838754", new Script.Answers(Duration.ofMillis(100), null));
        String talking = JSON.readTree(create("+442071838754", Map.of()).body()).path("sid").asText();
        awaitCallbacks(2);
        twilio.on("+442071838754", new Script.Busy(Duration.ZERO));
        String busy = JSON.readTree(create("+442071838754", Map.of()).body()).path("sid").asText();
        await(() -> twilio.call(busy).orElseThrow().status().equals("busy"), "the busy call ended");

        String filter = "?To=%2B442071838754&From=" + URLEncoder.encode(FROM, StandardCharsets.UTF_8)
                + "&StartTime%3E=" + LocalDate.now(ZoneOffset.UTC) + "&PageSize=50&Status=";
        JsonNode inProgress = JSON.readTree(get(filter + "in-progress").body());
        assertThat(inProgress.path("calls")).extracting(c -> c.path("sid").asText()).containsExactly(talking);
        assertThat(inProgress.path("page").asInt()).isZero();
        assertThat(inProgress.path("page_size").asInt()).isEqualTo(50);
        assertThat(inProgress.path("next_page_uri").isNull()).isTrue();
        assertThat(JSON.readTree(get(filter + "busy").body()).path("calls")).extracting(c -> c.path("sid").asText())
                .containsExactly(busy);
        assertThat(JSON.readTree(get("?To=%2B442071838754&PageSize=50").body()).path("calls"))
                .extracting(c -> c.path("sid").asText()).as("newest first").containsExactly(busy, talking);
        assertThat(JSON.readTree(get("?To=%2B442071838754&StartTime%3E=" + LocalDate.now(ZoneOffset.UTC).plusDays(1)).body())
                .path("calls")).isEmpty();
    }

    // --- delivery: duplicates, reordering, replays, forgeries ----------------------------------------

    @Test
    void callbacksCanBeDuplicatedAndReordered() throws Exception {
        twilio.on("+5511987654321", new Script.Answers(Duration.ofMillis(100), Duration.ofMillis(200)),
                Delivery.REORDERED_AND_DUPLICATED);

        create("+5511987654321", Map.of());

        List<Received> callbacks = awaitCallbacks(6);
        assertThat(callbacks).extracting(Received::status).containsExactly("in-progress#1", "in-progress#1",
                "ringing#0", "ringing#0", "completed#2", "completed#2");
        assertThat(callbacks).allMatch(Received::validSignature);
        assertThat(callbacks.get(0).form()).isEqualTo(callbacks.get(1).form());
        assertThat(callbacks.get(0).signature()).isEqualTo(callbacks.get(1).signature());
    }

    @Test
    void aSentCallbackCanBeReplayedVerbatimOrForged() throws Exception {
        twilio.on("+971501234567", new Script.Answers(Duration.ofMillis(100), Duration.ofMillis(100)));
        create("+971501234567", Map.of());
        awaitCallbacks(3);
        SentCallback ringing = twilio.sentCallbacks().get(0);

        assertThat(twilio.resend(ringing)).isEqualTo(200);
        assertThat(twilio.sendForged(ringing)).as("our webhook refuses the forgery").isEqualTo(403);

        List<Received> callbacks = awaitCallbacks(5);
        assertThat(callbacks.get(3).form()).isEqualTo(callbacks.get(0).form());
        assertThat(callbacks.get(3).signature()).isEqualTo(callbacks.get(0).signature());
        assertThat(callbacks.get(4).form()).isEqualTo(callbacks.get(0).form());
        assertThat(callbacks.get(4).validSignature()).isFalse();
    }

    // --- credentials -------------------------------------------------------------------------------

    @Test
    void onlyTheAccountsCredentialsAreAcceptedAndRotationReplacesThem() throws Exception {
        HttpResponse<String> wrong = create("+442071838755", Map.of(), KEY + ":wrong", Duration.ofSeconds(10));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(wrong.body()).path("code").asInt()).isEqualTo(20003);
        assertThat(create("+442071838755", Map.of(), ACCOUNT + ":" + TOKEN, Duration.ofSeconds(10)).statusCode())
                .as("the account SID and auth token").isEqualTo(201);

        twilio.rotate("rotated_key_secret");
        assertThat(create("+442071838755", Map.of()).statusCode()).as("the old secret").isEqualTo(401);
        assertThat(create("+442071838755", Map.of(), KEY + ":rotated_key_secret", Duration.ofSeconds(10)).statusCode())
                .isEqualTo(201);

        twilio.rotateAuthToken("rotated_auth_token");
        signingToken = "rotated_auth_token";
        received.clear();
        callId = UUID.randomUUID().toString();
        twilio.on("+442071838756", new Script.Busy(Duration.ZERO));
        create("+442071838756", Map.of(), ACCOUNT + ":rotated_auth_token", Duration.ofSeconds(10));
        assertThat(awaitCallbacks(1)).singleElement().satisfies(c -> assertThat(c.validSignature()).isTrue());
        assertThat(create("+442071838756", Map.of(), ACCOUNT + ":" + TOKEN, Duration.ofSeconds(10)).statusCode()).isEqualTo(401);
    }

    // --- helpers ----------------------------------------------------------------------------------

    static String hooksUrl() {
        return "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hooks";
    }

    /** Twilio's documented algorithm, written here independently of the stub's. */
    static String expectedSignature(String token, String url, Map<String, String> params) {
        StringBuilder data = new StringBuilder(url);
        params.keySet().stream().sorted().forEach(name -> data.append(name).append(params.get(name)));
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> create(String to, Map<String, String> overrides) throws Exception {
        return create(to, overrides, KEY + ":" + KEY_SECRET, Duration.ofSeconds(10));
    }

    HttpResponse<String> create(String to, Map<String, String> overrides, Duration timeout) throws Exception {
        return create(to, overrides, KEY + ":" + KEY_SECRET, timeout);
    }

    /** The create request as the adapter makes it (TwilioApi.createCall). */
    HttpResponse<String> create(String to, Map<String, String> overrides, String credentials, Duration timeout) throws Exception {
        List<Map.Entry<String, String>> form = new ArrayList<>();
        form.add(Map.entry("To", to));
        form.add(Map.entry("From", FROM));
        form.add(Map.entry("Twiml", overrides.getOrDefault("Twiml", HOLD)));
        form.add(Map.entry("StatusCallback", hooksUrl() + "?callId=" + callId + "&attempt=1"));
        for (String event : List.of("ringing", "answered", "completed")) {
            form.add(Map.entry("StatusCallbackEvent", event));
        }
        form.add(Map.entry("StatusCallbackMethod", "POST"));
        form.add(Map.entry("Timeout", overrides.getOrDefault("Timeout", "60")));
        form.add(Map.entry("TimeLimit", overrides.getOrDefault("TimeLimit", "14400")));
        return send(HttpRequest.newBuilder(calls("")).timeout(timeout).header("Authorization", basic(credentials))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(encode(form))).build());
    }

    HttpResponse<String> update(String sid, String field, String value) throws Exception {
        URI uri = URI.create(twilio.baseUrl() + "/2010-04-01/Accounts/" + ACCOUNT + "/Calls/" + sid + ".json");
        return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Authorization", basic(KEY + ":" + KEY_SECRET))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(encode(List.of(Map.entry(field, value))))).build());
    }

    HttpResponse<String> get(String query) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(calls(query)).timeout(Duration.ofSeconds(10))
                .header("Authorization", basic(KEY + ":" + KEY_SECRET)).GET().build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response;
    }

    /** "Fetch a Call" as the adapter makes it (TwilioApi.fetchCall). */
    HttpResponse<String> fetch(String sid) throws Exception {
        URI uri = URI.create(twilio.baseUrl() + "/2010-04-01/Accounts/" + ACCOUNT + "/Calls/" + sid + ".json");
        return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Authorization", basic(KEY + ":" + KEY_SECRET))
                .GET().build());
    }

    URI calls(String query) {
        return URI.create(twilio.baseUrl() + "/2010-04-01/Accounts/" + ACCOUNT + "/Calls.json" + query);
    }

    static HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static String encode(List<Map.Entry<String, String>> form) {
        List<String> parts = new ArrayList<>();
        form.forEach(f -> parts.add(URLEncoder.encode(f.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(f.getValue(), StandardCharsets.UTF_8)));
        return String.join("&", parts);
    }

    static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    /** This test's callbacks (its callId), once there are at least {@code count}. */
    List<Received> awaitCallbacks(int count) throws InterruptedException {
        String mine = "callId=" + callId + "&";
        await(() -> received.stream().filter(r -> r.rawQuery().startsWith(mine)).count() >= count, count + " callbacks");
        return received.stream().filter(r -> r.rawQuery().startsWith(mine)).toList();
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited " + WAIT + " for " + what + "; received " + received);
            }
            Thread.sleep(20);
        }
    }
}
