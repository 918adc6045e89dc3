package dev.calling.embedded;

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
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Twilio Programmable Voice played on a loopback port, for the real Twilio adapter
 * ({@code functions/carrier-twilio}) in tests and the local demo. It serves the Call resource's requests
 * the adapter makes (https://www.twilio.com/docs/voice/api/call-resource): create
 * ({@code POST Calls.json}), update ({@code POST Calls/{Sid}.json} with {@code Twiml} or {@code Status}),
 * fetch and list ({@code GET}), behind HTTP Basic authentication, with Twilio's JSON error bodies
 * ({@code code}, {@code message}, {@code more_info}, {@code status}). Each created call then lives
 * as its {@link Script} says, in real time, and Twilio's status callbacks for the subscribed
 * {@code StatusCallbackEvent}s are POSTed to its {@code StatusCallback} URL from the stub's own threads,
 * signed with {@code X-Twilio-Signature} (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
 *
 * <p>What Twilio does, and where the stub's choice comes from:
 * <ul>
 *   <li><b>Statuses.</b> queued → ringing → in-progress → completed, or a final busy / no-answer / failed /
 *       canceled ("What are the possible call statuses", help.twilio.com article 223132547). The
 *       {@code answered} event reports {@code CallStatus=in-progress}; busy, no-answer, failed and canceled
 *       are reported as the {@code completed} event (Call resource, StatusCallbackEvent).
 *   <li><b>Hang-up.</b> {@code Status=completed} ends a call in any live state; {@code Status=canceled}
 *       only a queued or ringing one ("Specifying canceled will attempt to hang up calls that are queued or
 *       ringing; however, it will not affect calls already in progress", Call resource, Update). A call
 *       hung up before it was answered ends {@code canceled} (SIP 487), whichever of the two was asked
 *       ("canceled: prior to being answered, an outbound call was canceled via an HTTP POST request to the
 *       REST API", article 223132547); an answered one ends {@code completed} with its {@code CallDuration}.
 *   <li><b>Ended calls.</b> {@code Status=...} on a call that has ended answers 200 with the call unchanged
 *       (assumed: not documented; the adapter takes 2xx and 21220 alike as "gone"). {@code Twiml} on it
 *       answers 400 with error 21220 "Invalid call state". An unknown SID answers 404, error 20404.
 *   <li><b>Fetch</b> ({@code GET Calls/{Sid}.json}, "Fetch a Call") answers the call as it is now: {@code status},
 *       {@code start_time} (when it was dialled; "Empty if the call has not yet been dialed"), {@code end_time} once
 *       it has ended and {@code duration} (talked seconds; "empty for busy, failed, unanswered or ongoing calls"),
 *       times in RFC 2822 to the second ({@code Fri, 18 Oct 2019 17:03:00 +0000}). {@link #failNextFetches}
 *       makes it fail.
 *   <li><b>Timeout</b> (ring seconds, default 60, at most 600) ends a ringing call {@code no-answer} with
 *       {@code SipResponseCode} 487; <b>TimeLimit</b> (default 4 h; capped at 24 h by the stub) ends an
 *       answered call {@code completed}. They count from the dial and from the answer respectively.
 *   <li><b>TwiML</b>: only what the adapter sends is run, when the call is answered or redirected while
 *       in progress: {@code <Pause length>} holds the call, and when it runs out the document ends and Twilio
 *       hangs up ({@code completed}); {@code <Dial><Client>} (short form {@code <Client>id</Client>} or long
 *       form {@code <Client><Identity>id</Identity>…}) bridges to that client identity, creating a child call
 *       (direction {@code outbound-dial}, {@code parent_call_sid}) that answers at once; a document with
 *       neither (or {@code <Hangup/>}) ends the call. A {@code Url} instead of {@code Twiml} is not fetched:
 *       the call just stays up.
 *   <li><b>SequenceNumber</b> counts the callbacks actually sent for the call, from 0 (the adapter's
 *       assumption, README "Not confirmed": the docs say only "the order in which the events were fired").
 *       Busy, no-answer, failed and canceled carry {@code SipResponseCode} 486, 487, the script's code and
 *       487; completed carries 200. Every final callback carries {@code CallDuration} (0 unless answered).
 *   <li><b>Callbacks</b> are not retried when the receiver fails or answers an error (what the adapter
 *       assumes; Twilio's webhook connection overrides such as {@code #rc} are not modelled); each carries an
 *       {@code I-Twilio-Idempotency-Token} header, the same on a duplicate. Only {@code POST} callbacks.
 *   <li><b>Authentication</b>: the account SID with the auth token, or the configured API key with its
 *       secret; anything else is 401, error 20003. A path with another account SID is 404, error 20404.
 * </ul>
 *
 * <p>It is a test double of the documented behaviour the adapter relies on, not an emulator: no audio, no
 * TwiML beyond the above, no pricing, one page size cap. Durations in the create form ({@code Timeout},
 * {@code TimeLimit}, {@code <Pause length>}) are seconds of Twilio's; {@link #twilioSecond} makes them
 * shorter for tests. Thread-safe: each call's state changes under its own lock, callbacks of one call are
 * sent one after the other in the order they were generated (unless {@link Delivery} says otherwise),
 * callbacks of different calls concurrently.
 */
public final class TwilioStub implements AutoCloseable {

    /** What happens to a call to a number: how Twilio's API answers the create, and what the phone does. */
    public sealed interface Script {

        /**
         * Rings for {@code ring}, answers, and the callee hangs up after {@code talk}; {@code talk} null:
         * stays on the line until we hang up, the {@code <Pause>} runs out unbridged, or {@code TimeLimit}.
         * A {@code ring} as long as the call's {@code Timeout} is a no-answer.
         */
        record Answers(Duration ring, Duration talk) implements Script {
            public Answers {
                Objects.requireNonNull(ring, "ring");
            }
        }

        /** Rings for {@code ring} (zero: no ringing at all), then busy, SIP 486. */
        record Busy(Duration ring) implements Script {
            public Busy {
                Objects.requireNonNull(ring, "ring");
            }
        }

        /** Rings until the call's {@code Timeout}: no-answer, SIP 487. */
        record NoAnswer() implements Script {}

        /** Twilio creates the call; it fails {@code after} with SIP {@code sipCode} (e.g. 503, 404), without ringing. */
        record Fails(int sipCode, Duration after) implements Script {
            public Fails {
                Objects.requireNonNull(after, "after");
            }
        }

        /** Twilio refuses the create: HTTP {@code status}, Twilio error {@code code} (e.g. 400/21211, 429/20429, 503/20503). No call. */
        record Refused(int status, int code) implements Script {}

        /**
         * An ambiguous create, by a dropped connection: the call is created (and lives as {@code then}
         * says, its callbacks included) but the connection is reset instead of the reply. The call is
         * dialled {@code dialsAfter} the create, so a test can choose who wins the race between its first
         * callback and the caller's reaction to the lost reply. {@code then} a {@link Refused}: no call.
         */
        record ReplyLost(Script then, Duration dialsAfter) implements Script {
            public ReplyLost {
                Objects.requireNonNull(then, "then");
                Objects.requireNonNull(dialsAfter, "dialsAfter");
            }

            /** Dialled one second after the create. */
            public ReplyLost(Script then) {
                this(then, Duration.ofSeconds(1));
            }
        }

        /**
         * An ambiguous create, by a slow reply: the call is created and dialled at once (its callbacks
         * flow), but the 201 is held back for {@code replyAfter}, beyond the caller's request timeout.
         */
        record ReplyLate(Duration replyAfter, Script then) implements Script {
            public ReplyLate {
                Objects.requireNonNull(replyAfter, "replyAfter");
                Objects.requireNonNull(then, "then");
            }
        }
    }

    /** How a call's status callbacks reach the receiver. */
    public enum Delivery {
        /** Each once, in the order Twilio generated them. */
        IN_ORDER,
        /** Each twice in a row (same form, signature and idempotency token). */
        DUPLICATED,
        /**
         * Out of order: each callback that is not final waits for the next one and goes after it
         * (ringing #0, in-progress #1, completed #2 arrive as #1, #0, #2); a final callback goes first and
         * then releases what waits. Deterministic, and never leaves a callback behind once the call ends.
         */
        REORDERED,
        /** {@link #REORDERED}, each twice. */
        REORDERED_AND_DUPLICATED;

        boolean duplicated() {
            return this == DUPLICATED || this == REORDERED_AND_DUPLICATED;
        }

        boolean reordered() {
            return this == REORDERED || this == REORDERED_AND_DUPLICATED;
        }
    }

    /** A call as the stub holds it: what was asked (immutable fields) and what has happened (methods). */
    public static final class StubCall {
        public final String sid;
        public final String to;
        public final String from;
        /** The {@code StatusCallback} exactly as given, or null. */
        public final URI statusCallback;
        /** The subscribed {@code StatusCallbackEvent}s. */
        public final Set<String> events;
        /** The create request's form fields, repeated ones in order. */
        public final Map<String, List<String>> form;
        /** The call whose {@code <Dial>} made this one, or null. */
        public final String parentSid;

        final long order;
        final Instant created;
        final Delivery delivery;
        final Duration second;
        final Duration ringTimeout;
        final Duration timeLimit;

        // Guarded by this.
        private String status = "queued";
        private Instant updated;
        private Instant started;
        private Instant answered;
        private Instant ended;
        private String twiml;
        private int twimlVersion;
        private String bridgedTo;
        private StubCall child;
        private boolean hungUpByApi;
        private Integer sipResponseCode;
        private long nextSequence;
        private final List<Outgoing> held = new ArrayList<>();
        private final List<Future<?>> timers = new ArrayList<>();
        private CompletableFuture<Void> deliveries = CompletableFuture.completedFuture(null);

        StubCall(long order, String sid, String to, String from, URI statusCallback, Set<String> events,
                Map<String, List<String>> form, String parentSid, Instant created, Delivery delivery, Duration second,
                Duration ringTimeout, Duration timeLimit) {
            this.order = order;
            this.sid = sid;
            this.to = to;
            this.from = from;
            this.statusCallback = statusCallback;
            this.events = events;
            this.form = form;
            this.parentSid = parentSid;
            this.created = created;
            this.updated = created;
            this.delivery = delivery;
            this.second = second;
            this.ringTimeout = ringTimeout;
            this.timeLimit = timeLimit;
        }

        public synchronized String status() {
            return status;
        }

        public synchronized boolean isLive() {
            return LIVE.contains(status);
        }

        /** The client identity of the last {@code <Dial><Client>} it ran, or null. */
        public synchronized String bridgedTo() {
            return bridgedTo;
        }

        /** Whether a {@code Status} update of ours ended it. */
        public synchronized boolean hungUpByApi() {
            return hungUpByApi;
        }

        /** The TwiML it runs (the create's, or the last redirect's). */
        public synchronized String twiml() {
            return twiml;
        }

        /** The final status's SIP code, once it has ended. */
        public synchronized Optional<Integer> sipResponseCode() {
            return Optional.ofNullable(sipResponseCode);
        }

        public Instant created() {
            return created;
        }

        /** When it ended (its {@code end_time}, which the API gives to the second), once it has. */
        public synchronized Optional<Instant> ended() {
            return Optional.ofNullable(ended);
        }

        @Override
        public synchronized String toString() {
            return sid + " " + status + (parentSid == null ? "" : " child of " + parentSid);
        }
    }

    /** A status callback as it was sent: URL, form and signature (to be replayed verbatim), and our webhook's HTTP status (0: not reached). */
    public record SentCallback(String callSid, URI url, Map<String, String> form, String signature, int httpStatus) {

        public String callStatus() {
            return form.get("CallStatus");
        }

        public long sequenceNumber() {
            return Long.parseLong(form.get("SequenceNumber"));
        }
    }

    /** A callback made and signed, waiting to go. */
    private record Outgoing(String callSid, URI url, Map<String, String> form, String signature, String idempotencyToken) {}

    /** The accepted Basic credentials and the callbacks' signing key, replaced as a whole. */
    private record Secrets(String authToken, String user, String password) {}

    private record Plan(Script script, Delivery delivery) {}

    private record Refusals(int remaining, int status, int code) {}

    static final Set<String> LIVE = Set.of("queued", "ringing", "in-progress");
    private static final Set<String> EVENTS = Set.of("initiated", "ringing", "answered", "completed");
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
    private static final Pattern CALLS = Pattern.compile("/2010-04-01/Accounts/([^/]+)/Calls\\.json");
    private static final Pattern CALL = Pattern.compile("/2010-04-01/Accounts/([^/]+)/Calls/([^/]+)\\.json");
    private static final Pattern PAUSE = Pattern.compile("<Pause[^>]*\\blength=\"(\\d+)\"");
    private static final Pattern CLIENT_IDENTITY = Pattern.compile("<Client[^>]*>\\s*(?:<Identity>([^<]+)</Identity>|([^<\\s][^<]*))");
    private static final DateTimeFormatter RFC_2822 =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final Duration DIAL_DELAY = Duration.ofMillis(20);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration DEFAULT_TIME_LIMIT = Duration.ofHours(4);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRANSFORMER = "twilio-stub";
    private static final System.Logger LOG = System.getLogger(TwilioStub.class.getName());

    private final String accountSid;
    private volatile Secrets secrets;
    private final Map<String, Plan> plans = new ConcurrentHashMap<>();
    private volatile Plan defaultPlan = new Plan(new Script.Answers(Duration.ofMillis(300), Duration.ofSeconds(1)), Delivery.IN_ORDER);
    private volatile Duration second = Duration.ofSeconds(1);
    private final AtomicReference<Refusals> refusals = new AtomicReference<>();
    private final AtomicReference<Refusals> fetchRefusals = new AtomicReference<>();
    private final Map<String, StubCall> calls = new ConcurrentHashMap<>();
    private final AtomicLong creations = new AtomicLong();
    private final List<SentCallback> sent = new CopyOnWriteArrayList<>();
    private final ScheduledThreadPoolExecutor timeline;
    private final ExecutorService senders;
    private final Executor sending;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
    private final WireMockServer server;

    /**
     * Starts the stub on a free loopback port.
     *
     * @param accountSid the account whose paths it serves ({@code AC…})
     * @param authToken signs the callbacks; with {@code accountSid} also a Basic credential
     * @param user the other Basic user it accepts: an API key SID ({@code SK…})
     * @param password that user's secret
     */
    public TwilioStub(String accountSid, String authToken, String user, String password) {
        this.accountSid = Objects.requireNonNull(accountSid, "accountSid");
        this.secrets = new Secrets(Objects.requireNonNull(authToken, "authToken"), Objects.requireNonNull(user, "user"),
                Objects.requireNonNull(password, "password"));
        timeline = new ScheduledThreadPoolExecutor(1, daemon("twilio-stub-calls"));
        timeline.setRemoveOnCancelPolicy(true);
        senders = Executors.newFixedThreadPool(2, daemon("twilio-stub-callbacks"));
        sending = task -> {
            try {
                senders.execute(task);
            } catch (RejectedExecutionException closed) {
                // closed: nothing more is sent
            }
        };
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(new Api()));
        server.start();
        server.stubFor(any(urlPathMatching("/2010-04-01/.*")).willReturn(aResponse().withTransformers(TRANSFORMER)));
    }

    /** Same as the constructor. */
    public static TwilioStub start(String accountSid, String authToken, String apiKeySid, String apiKeySecret) {
        return new TwilioStub(accountSid, authToken, apiKeySid, apiKeySecret);
    }

    /** Where the adapter's {@code base-url} points ({@code http://127.0.0.1:port}). */
    public URI baseUrl() {
        return URI.create(server.baseUrl());
    }

    public String accountSid() {
        return accountSid;
    }

    // --- scripting ---------------------------------------------------------------------------

    /** What happens from now on to calls created to {@code number} (E.164, as the create's {@code To}). */
    public TwilioStub on(String number, Script script) {
        return on(number, script, Delivery.IN_ORDER);
    }

    /** Same, with the callbacks delivered as {@code delivery} says. */
    public TwilioStub on(String number, Script script, Delivery delivery) {
        plans.put(Objects.requireNonNull(number, "number"), new Plan(Objects.requireNonNull(script, "script"),
                Objects.requireNonNull(delivery, "delivery")));
        return this;
    }

    /** What happens to calls to numbers without a script (at first: answers after 300 ms, the callee hangs up after 1 s). */
    public TwilioStub byDefault(Script script) {
        return byDefault(script, Delivery.IN_ORDER);
    }

    public TwilioStub byDefault(Script script, Delivery delivery) {
        defaultPlan = new Plan(Objects.requireNonNull(script, "script"), Objects.requireNonNull(delivery, "delivery"));
        return this;
    }

    /**
     * How long one of Twilio's seconds lasts for calls created from now on: the create's {@code Timeout}
     * and {@code TimeLimit}, the TwiML's {@code <Pause length>} and the reported {@code CallDuration} are
     * counted in it. One real second unless a test wants them shorter.
     */
    public TwilioStub twilioSecond(Duration length) {
        if (length.isNegative() || length.isZero()) {
            throw new IllegalArgumentException("a second must last some time: " + length);
        }
        second = length;
        return this;
    }

    /** The next {@code count} creates are refused with HTTP {@code httpStatus} and Twilio error {@code code}, whatever the number. */
    public void failNextCreates(int count, int httpStatus, int code) {
        refusals.set(count <= 0 ? null : new Refusals(count, httpStatus, code));
    }

    /**
     * The next {@code count} fetches of one call ({@code GET Calls/{Sid}.json}) are refused with HTTP
     * {@code httpStatus} and Twilio error {@code code}, whatever the call; the calls themselves go on.
     */
    public void failNextFetches(int count, int httpStatus, int code) {
        fetchRefusals.set(count <= 0 ? null : new Refusals(count, httpStatus, code));
    }

    /** Creates and fetches are no longer refused by {@link #failNextCreates} and {@link #failNextFetches}. */
    public void heal() {
        refusals.set(null);
        fetchRefusals.set(null);
    }

    // --- secrets -----------------------------------------------------------------------------

    /** The API key's secret is rotated: only {@code newSecret} is accepted with it from now on. */
    public void rotate(String newSecret) {
        Secrets current = secrets;
        secrets = new Secrets(current.authToken(), current.user(), Objects.requireNonNull(newSecret, "newSecret"));
    }

    /** The account's auth token is rotated: callbacks are signed with it, and it is the account SID's Basic password. */
    public void rotateAuthToken(String newAuthToken) {
        Secrets current = secrets;
        secrets = new Secrets(Objects.requireNonNull(newAuthToken, "newAuthToken"), current.user(), current.password());
    }

    /** Both at once, and a new API key: only {@code user}/{@code password} (and the account SID with the new token) are accepted. */
    public void rotate(String newAuthToken, String user, String password) {
        secrets = new Secrets(Objects.requireNonNull(newAuthToken, "newAuthToken"), Objects.requireNonNull(user, "user"),
                Objects.requireNonNull(password, "password"));
    }

    // --- introspection -----------------------------------------------------------------------

    /** Every call created, oldest first (the client legs of bridges included). */
    public List<StubCall> calls() {
        return calls.values().stream().sorted(Comparator.comparingLong(c -> c.order)).toList();
    }

    /** The calls created to {@code number} through the API (not the client legs), oldest first. */
    public List<StubCall> callsTo(String number) {
        return calls().stream().filter(c -> c.parentSid == null && c.to.equals(number)).toList();
    }

    public Optional<StubCall> call(String sid) {
        return Optional.ofNullable(calls.get(sid));
    }

    /** Calls queued, ringing or in progress. */
    public List<StubCall> liveCalls() {
        return calls().stream().filter(StubCall::isLive).toList();
    }

    /** The status callbacks sent so far, in sending order (duplicates and replays included). */
    public List<SentCallback> sentCallbacks() {
        return List.copyOf(sent);
    }

    /** Those of one call. */
    public List<SentCallback> sentCallbacks(String callSid) {
        return sent.stream().filter(c -> c.callSid().equals(callSid)).toList();
    }

    /** Every request the API received, oldest first. */
    public List<LoggedRequest> requests() {
        return server.getAllServeEvents().stream().map(ServeEvent::getRequest)
                .sorted(Comparator.comparing(LoggedRequest::getLoggedDate)).toList();
    }

    // --- replays and forgeries ---------------------------------------------------------------

    /** Sends a callback again exactly as it was (a replay); returns our webhook's HTTP status (0: not reached). */
    public int resend(SentCallback callback) {
        return send(new Outgoing(callback.callSid(), callback.url(), callback.form(), callback.signature(),
                UUID.randomUUID().toString()));
    }

    /** Sends {@code callback}'s URL and form with a signature made with another key: a forgery our webhook must refuse. */
    public int sendForged(SentCallback callback) {
        return sendSignedWith("forged-" + secrets.authToken(), callback.url(), callback.form());
    }

    /** Sends {@code form} to {@code url} signed with {@code token} (a forgery unless it is the account's auth token). */
    public int sendSignedWith(String token, URI url, Map<String, String> form) {
        return send(new Outgoing(form.getOrDefault("CallSid", ""), url, Collections.unmodifiableMap(new TreeMap<>(form)),
                sign(token, url.toString(), form), UUID.randomUUID().toString()));
    }

    /** The app's leg of a bridged call hangs up: its {@code <Dial>} ends, and with nothing after it, the phone's leg too. */
    public void clientHangsUp(String callSid) {
        StubCall call = Optional.ofNullable(calls.get(callSid)).orElseThrow(() -> new IllegalArgumentException("no call " + callSid));
        synchronized (call) {
            if (call.child != null && call.isLive()) {
                finish(call.child, "completed", 200);
                finish(call, "completed", 200);
            }
        }
    }

    @Override
    public void close() {
        timeline.shutdownNow();
        senders.shutdownNow();
        server.stop();
    }

    /**
     * {@code X-Twilio-Signature}: Base64(HMAC-SHA1(auth token, URL + every POST parameter's name and value,
     * sorted by name)), https://www.twilio.com/docs/usage/webhooks/webhooks-security.
     */
    public static String sign(String authToken, String url, Map<String, String> form) {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(form).forEach((name, value) -> data.append(name).append(value));
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
    }

    // --- the REST API ------------------------------------------------------------------------

    private final class Api implements ResponseDefinitionTransformerV2 {

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            LoggedRequest request = event.getRequest();
            if (!authenticated(request.getHeader("Authorization"))) {
                return ResponseDefinitionBuilder.like(error(401, 20003, "Authenticate"))
                        .withHeader("WWW-Authenticate", "Basic realm=\"Twilio API\"").build();
            }
            // Split by hand: a client may send StartTime>= unencoded, which java.net.URI refuses.
            String url = request.getUrl();
            int question = url.indexOf('?');
            String path = question < 0 ? url : url.substring(0, question);
            String query = question < 0 ? "" : url.substring(question + 1);
            String method = request.getMethod().getName();
            Matcher all = CALLS.matcher(path);
            Matcher one = CALL.matcher(path);
            if (all.matches() && all.group(1).equals(accountSid)) {
                return switch (method) {
                    case "POST" -> create(parse(request.getBodyAsString()));
                    case "GET" -> list(parse(query), query);
                    default -> error(405, 20004, "Method not allowed");
                };
            }
            if (one.matches() && one.group(1).equals(accountSid)) {
                return switch (method) {
                    case "POST" -> update(one.group(2), parse(request.getBodyAsString()));
                    case "GET" -> fetch(one.group(2), path);
                    default -> error(405, 20004, "Method not allowed");
                };
            }
            return notFound(path);
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

    private boolean authenticated(String authorization) {
        Secrets current = secrets;
        return authorization != null && (authorization.equals(basic(accountSid, current.authToken()))
                || authorization.equals(basic(current.user(), current.password())));
    }

    private ResponseDefinition create(Map<String, List<String>> form) {
        Refusals refused = take(refusals);
        if (refused != null) {
            return error(refused.status(), refused.code(), "refused by failNextCreates");
        }
        Optional<String> to = first(form, "To");
        Optional<String> from = first(form, "From");
        if (to.isEmpty() || to.get().isBlank()) {
            return error(400, 21201, "No 'To' number is specified");
        }
        if (from.isEmpty() || from.get().isBlank()) {
            return error(400, 21603, "A 'From' phone number is required.");
        }
        if (!E164.matcher(to.get()).matches() && !to.get().startsWith("client:") && !to.get().startsWith("sip:")) {
            return error(400, 21211, "Invalid 'To' Phone Number: " + to.get());
        }
        List<String> events = form.getOrDefault("StatusCallbackEvent", List.of("completed"));
        if (!EVENTS.containsAll(events)) {
            return error(400, 21626, "Invalid 'StatusCallbackEvent': " + events);
        }
        Plan plan = plans.getOrDefault(to.get(), defaultPlan);
        Script script = plan.script();
        Script phone = script instanceof Script.ReplyLost lost ? lost.then()
                : script instanceof Script.ReplyLate late ? late.then() : script;
        ResponseDefinition reply;
        if (phone instanceof Script.Refused refusal) {
            reply = error(refusal.status(), refusal.code(), "refused by the stub's script for " + to.get());
        } else if (phone instanceof Script.ReplyLost || phone instanceof Script.ReplyLate) {
            throw new IllegalArgumentException("an ambiguous reply cannot be nested: " + script);
        } else {
            Duration unit = second;
            StubCall call = new StubCall(creations.incrementAndGet(), newSid(), to.get(), from.get(),
                    first(form, "StatusCallback").map(URI::create).orElse(null), Set.copyOf(events),
                    Collections.unmodifiableMap(copy(form)), null, Instant.now(), plan.delivery(), unit,
                    seconds(form, "Timeout", DEFAULT_TIMEOUT, 600, unit), seconds(form, "TimeLimit", DEFAULT_TIME_LIMIT, 86_400, unit));
            call.twiml = first(form, "Twiml").orElse(null);
            calls.put(call.sid, call);
            reply = json(201, resource(call));
            later(call, script instanceof Script.ReplyLost lost ? lost.dialsAfter() : DIAL_DELAY, () -> dial(call, phone));
        }
        if (script instanceof Script.ReplyLost) {
            return ResponseDefinitionBuilder.responseDefinition().withFault(Fault.CONNECTION_RESET_BY_PEER).build();
        }
        if (script instanceof Script.ReplyLate late) {
            return ResponseDefinitionBuilder.like(reply).withFixedDelay((int) Math.min(Integer.MAX_VALUE, late.replyAfter().toMillis()))
                    .build();
        }
        return reply;
    }

    /** "Fetch a Call": the call resource as it is now (its status, and its end_time once it has ended). */
    private ResponseDefinition fetch(String sid, String path) {
        Refusals refused = take(fetchRefusals);
        if (refused != null) {
            return error(refused.status(), refused.code(), "refused by failNextFetches");
        }
        return Optional.ofNullable(calls.get(sid)).map(c -> json(200, resource(c))).orElseGet(() -> notFound(path));
    }

    /** Uses up one refusal of {@code counter}: the refusal, or null when none is due. */
    private static Refusals take(AtomicReference<Refusals> counter) {
        return counter.getAndUpdate(r -> r == null || r.remaining() <= 1 ? null
                : new Refusals(r.remaining() - 1, r.status(), r.code()));
    }

    /** A duration field of the create form, in Twilio seconds (capped as Twilio caps it), as real time. */
    private static Duration seconds(Map<String, List<String>> form, String name, Duration fallback, long max, Duration unit) {
        long value;
        try {
            value = first(form, name).map(String::trim).map(Long::parseLong).orElse(fallback.toSeconds());
        } catch (NumberFormatException e) {
            value = fallback.toSeconds();
        }
        return unit.multipliedBy(Math.max(1, Math.min(value, max)));
    }

    private ResponseDefinition update(String sid, Map<String, List<String>> form) {
        StubCall call = calls.get(sid);
        if (call == null) {
            return notFound("/2010-04-01/Accounts/" + accountSid + "/Calls/" + sid + ".json");
        }
        Optional<String> status = first(form, "Status");
        Optional<String> twiml = first(form, "Twiml");
        synchronized (call) {
            if (status.isPresent()) {
                switch (status.get()) {
                    case "completed" -> {
                        if (call.isLive()) {
                            call.hungUpByApi = true;
                            if (call.status.equals("in-progress")) {
                                finish(call, "completed", 200);
                            } else {
                                finish(call, "canceled", 487);
                            }
                        }
                    }
                    case "canceled" -> {
                        if (call.status.equals("queued") || call.status.equals("ringing")) {
                            call.hungUpByApi = true;
                            finish(call, "canceled", 487);
                        }
                    }
                    default -> { // the code is the stub's: no page names the one Twilio uses here
                        return error(400, 20001, "Status must be 'canceled' or 'completed', not '" + status.get() + "'");
                    }
                }
                return json(200, resource(call));
            }
            if (twiml.isPresent() || first(form, "Url").isPresent()) {
                if (!call.isLive()) {
                    return error(400, 21220, "Call is not in-progress. Cannot redirect.");
                }
                call.twiml = twiml.orElse(null);
                call.twimlVersion++;
                call.updated = Instant.now();
                if (call.status.equals("in-progress")) {
                    run(call);
                }
            }
            return json(200, resource(call));
        }
    }

    private ResponseDefinition list(Map<String, List<String>> query, String rawQuery) {
        List<StubCall> rows = new ArrayList<>();
        for (StubCall call : calls()) {
            synchronized (call) {
                if (matches(query, "To", call.to) && matches(query, "From", call.from) && matches(query, "Status", call.status)
                        && matches(query, "ParentCallSid", call.parentSid) && startedWithin(query, call.started)) {
                    rows.add(call);
                }
            }
        }
        rows.sort(Comparator.comparingLong((StubCall c) -> c.order).reversed()); // Twilio lists the newest first
        int pageSize = Math.max(1, Math.min(1000, intParam(query, "PageSize", 50)));
        int page = Math.max(0, intParam(query, "Page", 0));
        int start = Math.min(rows.size(), page * pageSize);
        int end = Math.min(rows.size(), start + pageSize);
        ArrayNode items = JSON.createArrayNode();
        rows.subList(start, end).forEach(c -> items.add(resource(c)));
        String base = "/2010-04-01/Accounts/" + accountSid + "/Calls.json?" + withoutPaging(rawQuery) + "PageSize=" + pageSize;
        ObjectNode body = JSON.createObjectNode();
        body.set("calls", items);
        body.put("page", page);
        body.put("page_size", pageSize);
        body.put("start", start);
        body.put("end", Math.max(start, end - 1));
        body.put("uri", base + "&Page=" + page);
        body.put("first_page_uri", base + "&Page=0");
        if (page > 0) {
            body.put("previous_page_uri", base + "&Page=" + (page - 1));
        } else {
            body.putNull("previous_page_uri");
        }
        if (end < rows.size()) {
            body.put("next_page_uri", base + "&Page=" + (page + 1));
        } else {
            body.putNull("next_page_uri");
        }
        return json(200, body);
    }

    /**
     * {@code StartTime=YYYY-MM-DD} (that day), {@code StartTime>=…} (on or after; on the wire the name is
     * {@code StartTime>}) and {@code StartTime<=…}. A call not dialled yet has no start time and is left out.
     */
    private static boolean startedWithin(Map<String, List<String>> query, Instant started) {
        for (Map.Entry<String, List<String>> filter : query.entrySet()) {
            if (!filter.getKey().startsWith("StartTime")) {
                continue;
            }
            LocalDate day;
            try {
                day = LocalDate.parse(filter.getValue().get(0).trim());
            } catch (DateTimeParseException e) {
                continue;
            }
            if (started == null) {
                return false;
            }
            LocalDate startDay = LocalDate.ofInstant(started, ZoneOffset.UTC);
            boolean ok = switch (filter.getKey()) {
                case "StartTime>" -> !startDay.isBefore(day);
                case "StartTime<" -> !startDay.isAfter(day);
                case "StartTime" -> startDay.equals(day);
                default -> true;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String withoutPaging(String rawQuery) {
        StringBuilder kept = new StringBuilder();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                if (!pair.isEmpty() && !pair.startsWith("Page=") && !pair.startsWith("PageSize=") && !pair.startsWith("PageToken=")) {
                    kept.append(pair).append('&');
                }
            }
        }
        return kept.toString();
    }

    private static boolean matches(Map<String, List<String>> query, String name, String value) {
        return first(query, name).map(wanted -> wanted.equals(value)).orElse(true);
    }

    private static int intParam(Map<String, List<String>> query, String name, int fallback) {
        try {
            return first(query, name).map(String::trim).map(Integer::parseInt).orElse(fallback);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private ObjectNode resource(StubCall call) {
        synchronized (call) {
            ObjectNode node = JSON.createObjectNode();
            node.put("sid", call.sid);
            node.put("account_sid", accountSid);
            node.put("parent_call_sid", call.parentSid);
            node.put("to", call.to);
            node.put("to_formatted", call.to);
            node.put("from", call.from);
            node.put("from_formatted", call.from);
            node.put("status", call.status);
            node.put("direction", call.parentSid == null ? "outbound-api" : "outbound-dial");
            node.put("api_version", "2010-04-01");
            node.put("date_created", RFC_2822.format(call.created));
            node.put("date_updated", RFC_2822.format(call.updated));
            node.put("start_time", call.started == null ? null : RFC_2822.format(call.started));
            node.put("end_time", call.ended == null ? null : RFC_2822.format(call.ended));
            // "The length of the call in seconds. This value is empty for busy, failed, unanswered or ongoing calls."
            node.put("duration", call.ended == null || call.answered == null ? null : Long.toString(talked(call, call.ended)));
            node.putNull("answered_by");
            node.putNull("caller_name");
            node.putNull("forwarded_from");
            node.putNull("group_sid");
            node.putNull("phone_number_sid");
            node.putNull("price");
            node.put("price_unit", "USD");
            node.put("queue_time", "0");
            node.putNull("trunk_sid");
            node.put("uri", "/2010-04-01/Accounts/" + accountSid + "/Calls/" + call.sid + ".json");
            return node;
        }
    }

    // --- the phone ---------------------------------------------------------------------------

    /** Twilio dials the number; the script decides what the phone does. */
    private void dial(StubCall call, Script script) {
        synchronized (call) {
            if (!call.isLive()) {
                return; // hung up while queued
            }
            call.started = Instant.now();
            call.updated = call.started;
            report(call, "initiated", null);
            if (script instanceof Script.Answers answers) {
                ring(call, answers.ring(), () -> answer(call, answers.talk()));
            } else if (script instanceof Script.Busy busy) {
                if (busy.ring().isZero() || busy.ring().isNegative()) {
                    finish(call, "busy", 486);
                } else {
                    ring(call, busy.ring(), () -> finish(call, "busy", 486));
                }
            } else if (script instanceof Script.NoAnswer) {
                ring(call, call.ringTimeout, () -> finish(call, "no-answer", 487));
            } else if (script instanceof Script.Fails fails) {
                later(call, fails.after(), () -> finish(call, "failed", fails.sipCode()));
            } else {
                throw new IllegalStateException("no phone plays " + script);
            }
        }
    }

    /** The phone rings; after {@code ring} {@code then} happens, unless the call's {@code Timeout} comes first. */
    private void ring(StubCall call, Duration ring, Runnable then) {
        call.status = "ringing";
        call.updated = Instant.now();
        report(call, "ringing", null);
        if (ring.compareTo(call.ringTimeout) >= 0) {
            later(call, call.ringTimeout, () -> finish(call, "no-answer", 487));
        } else {
            later(call, ring, then);
        }
    }

    private void answer(StubCall call, Duration talk) {
        synchronized (call) {
            if (!call.status.equals("ringing")) {
                return;
            }
            call.status = "in-progress";
            call.answered = Instant.now();
            call.updated = call.answered;
            report(call, "in-progress", null);
            later(call, call.timeLimit, () -> finish(call, "completed", 200));
            if (talk != null) {
                later(call, talk, () -> finish(call, "completed", 200)); // the callee hangs up
            }
            run(call);
        }
    }

    /** Runs the call's TwiML (it is in progress; the caller holds its lock). */
    private void run(StubCall call) {
        String twiml = call.twiml;
        if (twiml == null) {
            return; // a Url: not fetched, the call stays up
        }
        int version = call.twimlVersion;
        if (twiml.contains("<Dial")) {
            Matcher client = CLIENT_IDENTITY.matcher(twiml);
            if (client.find()) {
                bridge(call, (client.group(1) != null ? client.group(1) : client.group(2)).trim());
                return;
            }
        }
        Matcher pause = PAUSE.matcher(twiml);
        if (pause.find()) {
            later(call, call.second.multipliedBy(Long.parseLong(pause.group(1))), () -> {
                synchronized (call) {
                    if (call.twimlVersion == version) {
                        finish(call, "completed", 200); // the document ran out: Twilio hangs up
                    }
                }
            });
            return;
        }
        finish(call, "completed", 200); // nothing (more) to do
    }

    /** {@code <Dial><Client>}: the app's leg is a child call, answered at once; a previous one ends. */
    private void bridge(StubCall call, String identity) {
        if (call.child != null) {
            finish(call.child, "completed", 200);
        }
        call.bridgedTo = identity;
        Instant now = Instant.now();
        StubCall child = new StubCall(creations.incrementAndGet(), newSid(), "client:" + identity, call.from, null, Set.of(),
                Map.of(), call.sid, now, Delivery.IN_ORDER, call.second, call.ringTimeout, call.timeLimit);
        synchronized (child) {
            child.status = "in-progress";
            child.started = now;
            child.answered = now;
        }
        call.child = child;
        calls.put(child.sid, child);
    }

    /** Ends a live call with a final status (once), its client leg with it. */
    private void finish(StubCall call, String status, int sipCode) {
        synchronized (call) {
            if (!call.isLive()) {
                return;
            }
            call.status = status;
            call.ended = Instant.now();
            call.updated = call.ended;
            call.sipResponseCode = sipCode;
            call.timers.forEach(timer -> timer.cancel(false));
            call.timers.clear();
            if (call.child != null) {
                finish(call.child, "completed", 200);
            }
            report(call, status, sipCode);
        }
    }

    /** Seconds talked (in the call's Twilio seconds), rounded to the nearest. */
    private static long talked(StubCall call, Instant until) {
        if (call.answered == null) {
            return 0;
        }
        return Math.round(Duration.between(call.answered, until).toNanos() / (double) call.second.toNanos());
    }

    /** Makes the callback for {@code status} if its event is subscribed, numbers and signs it, and hands it to delivery. */
    private void report(StubCall call, String status, Integer sipCode) {
        String event = switch (status) {
            case "initiated" -> "initiated";
            case "ringing" -> "ringing";
            case "in-progress" -> "answered";
            default -> "completed";
        };
        if (call.statusCallback == null || !call.events.contains(event)) {
            return;
        }
        Instant now = Instant.now();
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
        form.put("SequenceNumber", Long.toString(call.nextSequence++));
        form.put("Timestamp", RFC_2822.format(now));
        form.put("To", call.to);
        boolean last = event.equals("completed");
        if (last) {
            form.put("CallDuration", Long.toString(talked(call, now)));
            form.put("SipResponseCode", Integer.toString(sipCode));
        }
        String url = call.statusCallback.toString();
        Outgoing callback = new Outgoing(call.sid, call.statusCallback, Collections.unmodifiableMap(form),
                sign(secrets.authToken(), url, form), UUID.randomUUID().toString());
        if (!call.delivery.reordered()) {
            deliver(call, callback);
        } else if (!last && call.held.isEmpty()) {
            call.held.add(callback);
        } else {
            deliver(call, callback);
            call.held.forEach(held -> deliver(call, held));
            call.held.clear();
        }
    }

    /** Queues a callback behind the call's earlier ones (the caller holds the call's lock). */
    private void deliver(StubCall call, Outgoing callback) {
        int times = call.delivery.duplicated() ? 2 : 1;
        for (int i = 0; i < times; i++) {
            call.deliveries = call.deliveries.thenRunAsync(() -> send(callback), sending);
        }
    }

    private int send(Outgoing callback) {
        StringBuilder body = new StringBuilder();
        callback.form().forEach((name, value) -> body.append(body.length() == 0 ? "" : "&").append(encode(name)).append('=')
                .append(encode(value)));
        int status;
        try {
            status = http.send(HttpRequest.newBuilder(callback.url()).timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("X-Twilio-Signature", callback.signature())
                    .header("I-Twilio-Idempotency-Token", callback.idempotencyToken())
                    .header("User-Agent", "TwilioProxy/1.1")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "Twilio stub: callback to " + callback.url().getPath() + " failed: " + e);
            status = 0; // not retried
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 0;
        }
        sent.add(new SentCallback(callback.callSid(), callback.url(), callback.form(), callback.signature(), status));
        return status;
    }

    /** Runs {@code action} after {@code delay}, unless the call has ended by then (its timers are cancelled). */
    private void later(StubCall call, Duration delay, Runnable action) {
        Future<?> timer;
        try {
            timer = timeline.schedule(() -> {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> "Twilio stub: call " + call.sid + ": " + e);
                }
            }, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            return;
        }
        synchronized (call) {
            if (call.isLive()) {
                call.timers.add(timer);
            } else {
                timer.cancel(false);
            }
        }
    }

    // --- wire helpers ------------------------------------------------------------------------

    private static String newSid() {
        return "CA" + UUID.randomUUID().toString().replace("-", "");
    }

    private static Map<String, List<String>> parse(String encoded) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return fields;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            fields.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return fields;
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> fields) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        fields.forEach((name, values) -> copy.put(name, List.copyOf(values)));
        return copy;
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

    private static ResponseDefinition notFound(String path) {
        return error(404, 20404, "The requested resource " + path + " was not found");
    }

    /** Twilio's error body (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions). */
    private static ResponseDefinition error(int status, int code, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("code", code);
        body.put("message", message);
        body.put("more_info", "https://www.twilio.com/docs/errors/" + code);
        body.put("status", status);
        return json(status, body);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
