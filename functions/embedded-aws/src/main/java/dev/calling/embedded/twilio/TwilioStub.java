package dev.calling.embedded.twilio;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A stand-in for Twilio Programmable Voice on a loopback port, for the real Twilio adapter in tests
 * and the local run: the Call resource's create, update and list requests
 * (https://www.twilio.com/docs/voice/api/call-resource), HTTP Basic authentication, Twilio's error
 * bodies, and the status callbacks Twilio sends for each call (form POSTs to the call's
 * {@code StatusCallback}, signed with {@code X-Twilio-Signature} as
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security describes, numbered by
 * {@code SequenceNumber}, only for the subscribed {@code StatusCallbackEvent}s).
 *
 * <p>What the called phone does is scripted per number ({@link #on}); callbacks are sent from the
 * stub's own thread, in order per call. It is a test double of the documented behaviour this project
 * relies on, not an emulator of Twilio: no TwiML is executed beyond {@code <Dial>} (which connects
 * the app) and {@code <Pause>} (which ends the answered call when it runs out unbridged).
 */
public final class TwilioStub implements AutoCloseable {

    /** What the person at a number does, and how Twilio's API answers the create. */
    public sealed interface Script {
        /** Rings for {@code ring}, answers, and hangs up after {@code talk} (null: stays until hung up). */
        record Answers(Duration ring, Duration talk) implements Script {}

        /** Rings for {@code ring}, then busy (SIP 486). */
        record Busy(Duration ring) implements Script {}

        /** Rings until the call's {@code Timeout}, unanswered. */
        record NoAnswer() implements Script {}

        /** Twilio creates the call, then it fails with {@code sipCode} after {@code after}. */
        record Fails(int sipCode, Duration after) implements Script {}

        /** Twilio refuses the create: HTTP {@code status} with Twilio error {@code code}; no call exists. */
        record Refused(int status, int code) implements Script {}

        /**
         * Twilio creates the call (and reports it as {@code then} does) but its reply to the create is
         * lost: the connection is reset after the call was made. An ambiguous dial.
         */
        record ReplyLost(Script then) implements Script {}
    }

    /** One call as the stub holds it. */
    public static final class StubCall {
        public final String sid;
        public final String to;
        public final String from;
        public final URI statusCallback;
        public final Set<String> events;
        public final Map<String, List<String>> form;
        public final String parentSid;
        final Instant created;
        volatile String status = "queued";
        volatile Instant answeredAt;
        volatile String bridgedTo;
        volatile boolean hungUpByApi;
        final AtomicLong sequence = new AtomicLong();

        StubCall(String sid, String to, String from, URI statusCallback, Set<String> events,
                Map<String, List<String>> form, String parentSid, Instant created) {
            this.sid = sid;
            this.to = to;
            this.from = from;
            this.statusCallback = statusCallback;
            this.events = events;
            this.form = form;
            this.parentSid = parentSid;
            this.created = created;
        }

        public String status() {
            return status;
        }

        /** The client identity the call was bridged to ({@code <Dial><Client>}), or null. */
        public String bridgedTo() {
            return bridgedTo;
        }

        /** Whether our API ended it ({@code Status=completed}). */
        public boolean hungUpByApi() {
            return hungUpByApi;
        }

        boolean isLive() {
            return Set.of("queued", "ringing", "in-progress").contains(status);
        }
    }

    /** A status callback as it was sent: URL, form and signature, to be replayed verbatim. */
    public record SentCallback(String callSid, URI url, Map<String, String> form, String signature, int httpStatus) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRANSFORMER = "twilio";
    private static final DateTimeFormatter RFC_2822 =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final Pattern CALLS = Pattern.compile("/2010-04-01/Accounts/([^/]+)/Calls\\.json");
    private static final Pattern CALL = Pattern.compile("/2010-04-01/Accounts/([^/]+)/Calls/([^/]+)\\.json");

    private final String accountSid;
    private volatile String authToken;
    private final Set<String> credentials = ConcurrentHashMap.newKeySet();
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private volatile Script defaultScript = new Script.Answers(Duration.ofMillis(300), Duration.ofSeconds(1));
    private final Map<String, StubCall> calls = new ConcurrentHashMap<>();
    private final List<SentCallback> sent = new CopyOnWriteArrayList<>();
    private final AtomicLong sids = new AtomicLong(0x100000);
    private final ScheduledExecutorService phone = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "twilio-stub");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final WireMockServer server;

    /**
     * @param accountSid the account whose paths it serves
     * @param authToken signs the callbacks
     * @param user the Basic user it accepts (the API key SID, or the account SID)
     * @param password that user's secret
     */
    public TwilioStub(String accountSid, String authToken, String user, String password) {
        this.accountSid = accountSid;
        this.authToken = authToken;
        credentials.add(basic(user, password));
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(new Api()));
        server.start();
        server.stubFor(any(urlPathMatching("/2010-04-01/.*")).willReturn(aResponse().withTransformers(TRANSFORMER)));
    }

    /** Where the adapter's {@code base-url} points. */
    public URI baseUrl() {
        return URI.create(server.baseUrl());
    }

    /** How the person at {@code number} behaves from now on. */
    public TwilioStub on(String number, Script script) {
        scripts.put(number, script);
        return this;
    }

    /** How numbers without a script behave. */
    public TwilioStub byDefault(Script script) {
        defaultScript = script;
        return this;
    }

    /** A rotation: callbacks are signed with {@code newAuthToken}, and only {@code user}/{@code password} is accepted. */
    public void rotate(String newAuthToken, String user, String password) {
        authToken = newAuthToken;
        credentials.clear();
        credentials.add(basic(user, password));
    }

    /** Every call created, oldest first (the app legs of bridges included). */
    public List<StubCall> calls() {
        return calls.values().stream().sorted(java.util.Comparator.comparing((StubCall c) -> c.created)
                .thenComparing(c -> c.sid)).toList();
    }

    /** The calls to {@code number} (not the app legs), oldest first. */
    public List<StubCall> callsTo(String number) {
        return calls().stream().filter(c -> c.parentSid == null && c.to.equals(number)).toList();
    }

    public List<StubCall> liveCalls() {
        return calls().stream().filter(StubCall::isLive).toList();
    }

    /** The status callbacks sent so far, in sending order. */
    public List<SentCallback> sentCallbacks() {
        return List.copyOf(sent);
    }

    /** Sends a callback again exactly as it was (a duplicate, or a replay); returns the HTTP status our webhook answered. */
    public int resend(SentCallback callback) {
        return post(callback.url(), callback.form(), callback.signature());
    }

    /** Sends {@code form} to {@code url} signed with {@code token} (a forgery when it is not the account's token). */
    public int sendSignedWith(String token, URI url, Map<String, String> form) {
        return post(url, form, sign(token, url.toString(), form));
    }

    @Override
    public void close() {
        phone.shutdownNow();
        server.stop();
    }

    /** Twilio's signature: Base64(HMAC-SHA1(auth token, URL + each POST parameter's name and value, sorted by name)). */
    public static String sign(String token, String url, Map<String, String> form) {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(form).forEach((name, value) -> data.append(name).append(value));
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- the phone ---------------------------------------------------------------------------

    private void play(StubCall call, Script script, Duration ringTimeout, Duration timeLimit) {
        if (!call.isLive()) {
            return; // hung up (through the API) before it rang
        }
        if (script instanceof Script.Answers answers) {
            report(call, "ringing", Duration.ZERO, null);
            if (answers.ring().compareTo(ringTimeout) >= 0) {
                later(ringTimeout, () -> finish(call, "no-answer", 487));
                return;
            }
            later(answers.ring(), () -> answer(call, answers, timeLimit));
        } else if (script instanceof Script.Busy busy) {
            report(call, "ringing", Duration.ZERO, null);
            later(busy.ring(), () -> finish(call, "busy", 486));
        } else if (script instanceof Script.NoAnswer) {
            report(call, "ringing", Duration.ZERO, null);
            later(ringTimeout, () -> finish(call, "no-answer", 487));
        } else if (script instanceof Script.Fails fails) {
            later(fails.after(), () -> finish(call, "failed", fails.sipCode()));
        } else if (script instanceof Script.ReplyLost lost) {
            play(call, lost.then(), ringTimeout, timeLimit);
        } else {
            throw new IllegalStateException("no call is made for " + script);
        }
    }

    private synchronized void answer(StubCall call, Script.Answers answers, Duration timeLimit) {
        if (!call.isLive()) {
            return;
        }
        call.answeredAt = Instant.now();
        report(call, "in-progress", Duration.ZERO, null);
        Duration talk = answers.talk() == null ? timeLimit : min(answers.talk(), timeLimit);
        later(talk, () -> finish(call, "completed", 200));
        later(answerHold(call), () -> {
            if (call.bridgedTo == null) {
                finish(call, "completed", 200); // the <Pause> ran out and nothing bridged the call
            }
        });
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration answerHold(StubCall call) {
        Matcher pause = Pattern.compile("<Pause length=\"(\\d+)\"").matcher(first(call.form, "Twiml").orElse(""));
        return pause.find() ? Duration.ofSeconds(Long.parseLong(pause.group(1))) : Duration.ofSeconds(60);
    }

    private void later(Duration after, Runnable action) {
        phone.schedule(() -> {
            try {
                action.run();
            } catch (RuntimeException e) {
                System.getLogger(TwilioStub.class.getName()).log(System.Logger.Level.WARNING, "Twilio stub: " + e);
            }
        }, Math.max(0, after.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** Ends a live call with a final status (once). */
    private synchronized void finish(StubCall call, String status, int sipCode) {
        if (!call.isLive()) {
            return;
        }
        report(call, status, call.answeredAt == null ? Duration.ZERO : Duration.between(call.answeredAt, Instant.now()),
                sipCode);
    }

    /** Moves the call to {@code status} and sends its callback if that event is subscribed. */
    private void report(StubCall call, String status, Duration talked, Integer sipCode) {
        call.status = status;
        String event = switch (status) {
            case "ringing" -> "ringing";
            case "in-progress" -> "answered";
            default -> "completed";
        };
        if (!call.events.contains(event) || call.statusCallback == null) {
            return;
        }
        Map<String, String> form = new TreeMap<>();
        form.put("AccountSid", accountSid);
        form.put("ApiVersion", "2010-04-01");
        form.put("CallSid", call.sid);
        form.put("CallStatus", status);
        form.put("CallbackSource", "call-progress-events");
        form.put("Called", call.to);
        form.put("Caller", call.from);
        form.put("Direction", call.parentSid == null ? "outbound-api" : "outbound-dial");
        form.put("From", call.from);
        form.put("SequenceNumber", Long.toString(call.sequence.getAndIncrement()));
        form.put("Timestamp", RFC_2822.format(Instant.now()));
        form.put("To", call.to);
        if (sipCode != null) {
            form.put("SipResponseCode", Integer.toString(sipCode));
        }
        if (event.equals("completed")) {
            long seconds = (talked.toMillis() + 999) / 1000;
            form.put("CallDuration", Long.toString(seconds));
            form.put("Duration", Long.toString((seconds + 59) / 60));
        }
        String signature = sign(authToken, call.statusCallback.toString(), form);
        int answered = post(call.statusCallback, form, signature);
        sent.add(new SentCallback(call.sid, call.statusCallback, Map.copyOf(form), signature, answered));
    }

    private int post(URI url, Map<String, String> form, String signature) {
        StringBuilder body = new StringBuilder();
        form.forEach((name, value) -> body.append(body.length() == 0 ? "" : "&").append(encode(name)).append('=')
                .append(encode(value)));
        try {
            return http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("X-Twilio-Signature", signature).header("User-Agent", "TwilioProxy/1.1")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return 0; // Twilio does not retry status callbacks
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    // --- the REST API ------------------------------------------------------------------------

    private final class Api implements ResponseDefinitionTransformerV2 {
        @Override
        public ResponseDefinition transform(ServeEvent event) {
            var request = event.getRequest();
            String authorization = request.getHeader("Authorization");
            if (authorization == null || !credentials.contains(authorization)) {
                return error(401, 20003, "Authenticate");
            }
            String path = URI.create(request.getUrl()).getPath();
            Matcher all = CALLS.matcher(path);
            Matcher one = CALL.matcher(path);
            if ((all.matches() && !all.group(1).equals(accountSid)) || (one.matches() && !one.group(1).equals(accountSid))) {
                return error(404, 20404, "The requested resource was not found");
            }
            String method = request.getMethod().getName();
            if (all.matches() && method.equals("POST")) {
                return create(parse(request.getBodyAsString()));
            }
            if (all.matches() && method.equals("GET")) {
                return list(parse(Optional.ofNullable(URI.create(request.getUrl()).getRawQuery()).orElse("")));
            }
            if (one.matches() && method.equals("POST")) {
                return update(one.group(2), parse(request.getBodyAsString()));
            }
            return error(405, 20004, "Method not allowed");
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return TRANSFORMER;
        }
    }

    private ResponseDefinition create(Map<String, List<String>> form) {
        Optional<String> to = first(form, "To");
        Optional<String> from = first(form, "From");
        if (to.isEmpty() || from.isEmpty()) {
            return error(400, 21201, "No 'To' number is specified");
        }
        Script script = scripts.getOrDefault(to.get(), defaultScript);
        if (script instanceof Script.Refused refused) {
            return error(refused.status(), refused.code(), "refused by the stub's script");
        }
        StubCall call = new StubCall(newSid(), to.get(), from.get(),
                first(form, "StatusCallback").map(URI::create).orElse(null),
                Set.copyOf(form.getOrDefault("StatusCallbackEvent", List.of("completed"))), Map.copyOf(form), null,
                Instant.now());
        calls.put(call.sid, call);
        Duration ringTimeout = Duration.ofSeconds(first(form, "Timeout").map(Long::parseLong).orElse(60L));
        Duration timeLimit = Duration.ofSeconds(first(form, "TimeLimit").map(Long::parseLong).orElse(14_400L));
        // A lost reply: the caller learns of the call late (its callbacks, a look-up), so it rings a moment later.
        later(script instanceof Script.ReplyLost ? Duration.ofSeconds(1) : Duration.ofMillis(20),
                () -> play(call, script, ringTimeout, timeLimit));
        if (script instanceof Script.ReplyLost) {
            return ResponseDefinitionBuilder.responseDefinition().withFault(Fault.CONNECTION_RESET_BY_PEER).build();
        }
        return json(201, resource(call));
    }

    private ResponseDefinition update(String sid, Map<String, List<String>> form) {
        StubCall call = calls.get(sid);
        if (call == null) {
            return error(404, 20404, "The requested resource was not found");
        }
        Optional<String> status = first(form, "Status");
        if (status.isPresent()) {
            if (call.isLive()) {
                call.hungUpByApi = true;
                later(Duration.ZERO, () -> finish(call, call.answeredAt == null && status.get().equals("canceled")
                        ? "canceled" : "completed", 200));
            }
            return json(200, resource(call));
        }
        Optional<String> twiml = first(form, "Twiml");
        if (twiml.isPresent()) {
            if (!call.status.equals("in-progress")) {
                return error(400, 21220, "Call is not in-progress. Cannot redirect.");
            }
            Matcher identity = Pattern.compile("<Identity>([^<]+)</Identity>").matcher(twiml.get());
            if (twiml.get().contains("<Dial") && identity.find()) {
                call.bridgedTo = identity.group(1);
                StubCall app = new StubCall(newSid(), "client:" + call.bridgedTo, call.from, null, Set.of(),
                        Map.of(), call.sid, Instant.now());
                app.status = "in-progress";
                app.answeredAt = Instant.now();
                calls.put(app.sid, app);
            }
            return json(200, resource(call));
        }
        return error(400, 21218, "Invalid update");
    }

    private ResponseDefinition list(Map<String, List<String>> query) {
        ArrayNode rows = JSON.createArrayNode();
        for (StubCall call : calls()) {
            if (matches(query, "To", call.to) && matches(query, "From", call.from) && matches(query, "Status", call.status)
                    && matches(query, "ParentCallSid", call.parentSid)) {
                rows.add(resource(call));
            }
        }
        ObjectNode page = JSON.createObjectNode();
        page.set("calls", rows);
        page.put("page", 0);
        page.put("page_size", rows.size());
        page.putNull("next_page_uri");
        return json(200, page);
    }

    private static boolean matches(Map<String, List<String>> query, String name, String value) {
        return first(query, name).map(wanted -> wanted.equals(value)).orElse(true);
    }

    private ObjectNode resource(StubCall call) {
        ObjectNode node = JSON.createObjectNode();
        node.put("account_sid", accountSid);
        node.put("api_version", "2010-04-01");
        node.put("date_created", RFC_2822.format(call.created));
        node.put("direction", call.parentSid == null ? "outbound-api" : "outbound-dial");
        node.put("from", call.from);
        node.put("parent_call_sid", call.parentSid);
        node.put("sid", call.sid);
        node.put("status", call.status);
        node.put("to", call.to);
        node.put("uri", "/2010-04-01/Accounts/" + accountSid + "/Calls/" + call.sid + ".json");
        return node;
    }

    private String newSid() {
        return "CA" + String.format("%032x", sids.incrementAndGet());
    }

    private static Map<String, List<String>> parse(String form) {
        Map<String, List<String>> fields = new TreeMap<>();
        if (form == null || form.isEmpty()) {
            return fields;
        }
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            fields.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return fields;
    }

    private static Optional<String> first(Map<String, List<String>> fields, String name) {
        List<String> values = fields.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static ResponseDefinition json(int status, Object body) {
        return ResponseDefinitionBuilder.responseDefinition().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body.toString()).build();
    }

    private static ResponseDefinition error(int status, int code, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("code", code);
        body.put("message", message);
        body.put("more_info", "https://www.twilio.com/docs/errors/" + code);
        body.put("status", status);
        return json(status, body);
    }
}
