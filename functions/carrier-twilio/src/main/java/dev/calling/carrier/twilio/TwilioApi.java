package dev.calling.carrier.twilio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;

/**
 * The few requests of Twilio's REST API this carrier makes, exactly as the Call resource documents
 * them (https://www.twilio.com/docs/voice/api/call-resource): form-encoded bodies, JSON replies,
 * HTTP Basic authentication (https://www.twilio.com/docs/usage/requests-to-twilio). Through the JDK's
 * HTTP client, so the Lambda zip carries nothing for it, with the configured timeouts. It only speaks
 * HTTP; what a reply means for the call is decided by {@link TwilioCarrier}.
 */
public final class TwilioApi {

    /** What became of a create-call request. */
    public sealed interface DialReply {
        /** Twilio created call {@code callSid}. */
        record Created(String callSid) implements DialReply {}

        /**
         * Twilio did not create a call, for certain: it answered with an error, or the request never
         * left (connection refused). {@code sipCode} classifies it for the state machine.
         */
        record Refused(int sipCode, String cause) implements DialReply {}

        /**
         * The request went out but no usable answer came back (timeout, connection dropped, a 2xx
         * without a call SID): the call may exist. An ambiguous dial.
         */
        record Unknown(String cause) implements DialReply {}
    }

    /** A call update's outcome: done, or the call had already ended (nothing left to change). */
    public enum Update { DONE, GONE }

    /** One row of a call list. */
    public record ListedCall(String sid, String status, Instant dateCreated) {}

    /**
     * A call as "Fetch a Call" ({@code GET Calls/{Sid}.json}) describes it: {@code status} (queued, ringing,
     * in-progress, canceled, completed, busy, failed, no-answer), {@code start_time} ("Empty if the call has
     * not yet been dialed") and {@code end_time} (RFC 2822, e.g. {@code Fri, 18 Oct 2019 17:03:00 +0000}),
     * and {@code duration} in seconds ("empty for busy, failed, unanswered or ongoing calls"); each null
     * when Twilio leaves it empty.
     */
    public record FetchedCall(String sid, String status, Instant startTime, Instant endTime, Long durationSeconds) {
        /** Whether Twilio reports the call over: completed, canceled, failed, busy or no-answer. */
        public boolean ended() {
            return TwilioCallStatus.fromWire(status).map(TwilioCallStatus::isFinal).orElse(false);
        }
    }

    /** Call statuses in which a call still costs or rings: the Call resource's "queued", "ringing", "in-progress". */
    static final List<String> LIVE_STATUSES = List.of("queued", "ringing", "in-progress");

    /** The Call resource's "Invalid call state" error: "a realtime operation on a Call that was not in-progress". */
    static final int INVALID_CALL_STATE = 21220;

    static final Pattern CALL_SID = Pattern.compile("CA[0-9a-fA-F]{32}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORM = "application/x-www-form-urlencoded";

    private final TwilioConfig config;
    private final HttpClient http;

    public TwilioApi(TwilioConfig config) {
        this.config = config;
        // HTTP/1.1 explicitly: no h2c upgrade dance with plain-HTTP endpoints (stubs, proxies).
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout()).build();
    }

    public TwilioConfig config() {
        return config;
    }

    /**
     * {@code POST /2010-04-01/Accounts/{AccountSid}/Calls.json} ("Create a Call"): {@code To},
     * {@code From}, {@code Twiml} (the answered leg waits for the bridge), {@code StatusCallback}
     * (ours, naming the attempt), {@code StatusCallbackEvent} once per event (the documented way to
     * ask for several: "specify each one in a separate status_callback_event parameter"),
     * {@code StatusCallbackMethod=POST}, {@code Timeout} (ring seconds) and {@code TimeLimit}
     * (seconds). Never throws for Twilio's failures: they come back as {@link DialReply}.
     */
    public DialReply createCall(String to, URI statusCallback, Duration timeLimit) {
        List<Map.Entry<String, String>> form = new ArrayList<>();
        form.add(Map.entry("To", to));
        form.add(Map.entry("From", config.fromNumber()));
        form.add(Map.entry("Twiml", TwiML.holdUntilBridged(config.answerHold())));
        form.add(Map.entry("StatusCallback", statusCallback.toString()));
        for (String event : TwilioStatusCallback.SUBSCRIBED_EVENTS) {
            form.add(Map.entry("StatusCallbackEvent", event));
        }
        form.add(Map.entry("StatusCallbackMethod", "POST"));
        form.add(Map.entry("Timeout", Long.toString(config.ringTimeout().toSeconds())));
        form.add(Map.entry("TimeLimit", Long.toString(timeLimit.toSeconds())));
        HttpRequest request;
        try {
            request = post(callsPath(), form);
        } catch (RuntimeException noCredentials) {
            // The secrets cannot be had (Secrets Manager down before the first read, a secret without
            // the API key secret): nothing was sent, so certainly no call. Fail over, do not throw.
            return new DialReply.Refused(0, config.providerId() + " credentials unavailable: "
                    + noCredentials.getClass().getSimpleName());
        }
        HttpResponse<String> response;
        try {
            response = send(request);
        } catch (HttpConnectTimeoutException | ConnectException | SSLHandshakeException notSent) {
            return new DialReply.Refused(0, config.providerId() + " unreachable: " + notSent.getClass().getSimpleName());
        } catch (HttpTimeoutException e) {
            return new DialReply.Unknown(config.providerId() + " did not answer within its timeout");
        } catch (IOException e) {
            return new DialReply.Unknown(config.providerId() + " connection failed: " + e.getClass().getSimpleName());
        }
        int status = response.statusCode();
        if (status == 200 || status == 201) {
            String sid = text(response.body(), "sid");
            return sid != null && CALL_SID.matcher(sid).matches()
                    ? new DialReply.Created(sid)
                    : new DialReply.Unknown(config.providerId() + " answered HTTP " + status + " without a usable call sid");
        }
        Integer code = errorCode(response.body());
        String cause = config.providerId() + " refused the call: HTTP " + status + (code == null ? "" : " (Twilio error " + code + ")");
        return new DialReply.Refused(sipCodeForRefusal(status, code), cause);
    }

    /**
     * The SIP code a refused create stands for. The callee's number itself refused ends the call
     * (no other carrier will do better): 21211 "Invalid 'To' Phone Number" and 21217 "Phone number
     * does not appear to be valid" → 484, 21214 "'To' phone number cannot be reached" → 404
     * (https://www.twilio.com/docs/api/errors). Twilio failing or throttling is a carrier failure the
     * state machine fails over from: 5xx → its code, 429 → 503. Anything else (authentication, geo
     * permissions, a caller id Twilio will not use ...) is this account's problem, not the number's:
     * 0, also a failover.
     */
    static int sipCodeForRefusal(int httpStatus, Integer twilioCode) {
        if (httpStatus >= 500 && httpStatus <= 599) {
            return httpStatus;
        }
        if (httpStatus == 429) {
            return 503;
        }
        if (twilioCode != null) {
            switch (twilioCode) {
                case 21211, 21217:
                    return 484;
                case 21214:
                    return 404;
                default:
                    break;
            }
        }
        return 0;
    }

    /**
     * The live calls to {@code to} from our number created since {@code since}: "Retrieve a List of
     * Calls" with the documented filters {@code To}, {@code From}, {@code Status} (one status per
     * request: the filter takes a single value) and, for calls that have started ringing,
     * {@code StartTime>=YYYY-MM-DD} ("StartTime>=YYYY-MM-DD to read calls that started on or after
     * midnight of this date"; twilio-java sends the name {@code StartTime>} the same way). A queued call
     * has no start time yet ("Empty if the call has not yet been dialed"), so that filter would hide
     * it: queued calls are listed without it. The creation time is checked here, to the second.
     *
     * @throws TwilioApiException when a list cannot be read
     */
    public List<ListedCall> liveCallsTo(String to, Instant since) {
        List<ListedCall> found = new ArrayList<>();
        String day = LocalDate.ofInstant(since, ZoneOffset.UTC).toString();
        for (String status : LIVE_STATUSES) {
            StringBuilder query = new StringBuilder().append("To=").append(encode(to)).append("&From=")
                    .append(encode(config.fromNumber())).append("&Status=").append(encode(status));
            if (!"queued".equals(status)) {
                query.append('&').append(encode("StartTime>")).append('=').append(day);
            }
            query.append("&PageSize=50");
            for (ListedCall call : list(query.toString(), "list live calls")) {
                if (call.dateCreated() == null || !call.dateCreated().isBefore(since)) {
                    found.add(call);
                }
            }
        }
        return found;
    }

    /**
     * Whether Twilio has created any call from {@code parentSid} ("parent_call_sid: Only include calls
     * spawned by calls with this SID"): the {@code <Dial>} of a bridge creates the app's leg as a child,
     * so a parent with a child has been bridged before.
     *
     * @throws TwilioApiException when the list cannot be read
     */
    public boolean hasChildCalls(String parentSid) {
        return !list("ParentCallSid=" + encode(parentSid) + "&PageSize=1", "list child calls").isEmpty();
    }

    /** "Update a Call in Progress with TwiML": {@code POST Calls/{Sid}.json}, {@code Twiml=...}. */
    public Update redirect(String callSid, String twiml) {
        return update(callSid, List.of(Map.entry("Twiml", twiml)), "bridge");
    }

    /**
     * "Update a Call: End the Call": {@code POST Calls/{Sid}.json}, {@code Status=completed}.
     * {@code completed} rather than {@code canceled}: "Specifying canceled will attempt to hang up calls
     * that are queued or ringing; however, it will not affect calls already in progress. Specifying
     * completed will attempt to hang up a call even if it's already in progress" — one request that
     * ends the call whatever state it has reached meanwhile.
     */
    public Update hangUp(String callSid) {
        return update(callSid, List.of(Map.entry("Status", "completed")), "hangup");
    }

    /**
     * "Fetch a Call": {@code GET /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json}, the call's current
     * status and times. Empty when Twilio does not know the SID (404, error 20404).
     *
     * @throws TwilioApiException when Twilio does not answer, refuses (any other non-200), answers something
     *     without a {@code status}, or the account's secrets cannot be had: nothing can be concluded
     */
    public Optional<FetchedCall> fetchCall(String callSid) {
        requireSid(callSid);
        HttpResponse<String> response;
        try {
            response = send(request(callPath(callSid)).GET().build());
        } catch (IOException e) {
            throw new TwilioApiException(config.providerId() + " fetch of " + callSid + " failed: " + e, e);
        } catch (RuntimeException noCredentials) {
            // The secret source failed (not quoted: its message could carry what it read).
            throw new TwilioApiException(config.providerId() + " fetch of " + callSid + ": credentials unavailable: "
                    + noCredentials.getClass().getSimpleName());
        }
        int status = response.statusCode();
        if (status == 404) {
            return Optional.empty();
        }
        if (status != 200) {
            Integer code = errorCode(response.body());
            throw new TwilioApiException(config.providerId() + " refused the fetch of " + callSid + ": HTTP " + status
                    + (code == null ? "" : " (Twilio error " + code + ")"));
        }
        JsonNode call;
        try {
            call = JSON.readTree(response.body());
        } catch (JsonProcessingException | RuntimeException e) {
            call = null;
        }
        if (call == null || !call.path("status").isTextual()) {
            throw new TwilioApiException(config.providerId() + " fetch of " + callSid + ": HTTP 200 without a usable status");
        }
        return Optional.of(new FetchedCall(callSid, call.path("status").asText(), rfc2822(textOrNull(call.path("start_time"))),
                rfc2822(textOrNull(call.path("end_time"))), seconds(call.path("duration"))));
    }

    private static String textOrNull(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }

    /** Twilio's {@code duration}: a string of seconds ({@code "4"}), or null when empty or unreadable. */
    private static Long seconds(JsonNode node) {
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        if (!node.isTextual()) {
            return null;
        }
        try {
            return Long.parseLong(node.asText().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Update update(String callSid, List<Map.Entry<String, String>> form, String what) {
        requireSid(callSid);
        HttpResponse<String> response;
        try {
            response = send(post(callPath(callSid), form));
        } catch (IOException e) {
            throw new TwilioApiException(config.providerId() + " " + what + " of " + callSid + " failed: " + e, e);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return Update.DONE;
        }
        Integer code = errorCode(response.body());
        // 404: no such call (any more); 21220 "Invalid call state": it is not in progress, i.e. it has ended.
        if (status == 404 || (status >= 400 && status < 500 && code != null && code == INVALID_CALL_STATE)) {
            return Update.GONE;
        }
        throw new TwilioApiException(config.providerId() + " refused the " + what + " of " + callSid + ": HTTP " + status
                + (code == null ? "" : " (Twilio error " + code + ")"));
    }

    private List<ListedCall> list(String query, String what) {
        HttpRequest request = request(callsPath() + "?" + query).GET().build();
        HttpResponse<String> response;
        try {
            response = send(request);
        } catch (IOException e) {
            throw new TwilioApiException(config.providerId() + " " + what + " failed: " + e, e);
        }
        if (response.statusCode() != 200) {
            throw new TwilioApiException(config.providerId() + " " + what + ": HTTP " + response.statusCode());
        }
        try {
            JsonNode calls = JSON.readTree(response.body()).path("calls");
            List<ListedCall> rows = new ArrayList<>();
            for (JsonNode call : calls) {
                String sid = call.path("sid").asText(null);
                if (sid != null && CALL_SID.matcher(sid).matches()) {
                    rows.add(new ListedCall(sid, call.path("status").asText(""), rfc2822(call.path("date_created").asText(null))));
                }
            }
            return rows;
        } catch (JsonProcessingException e) {
            throw new TwilioApiException(config.providerId() + " " + what + ": unreadable reply", e);
        }
    }

    /** Twilio's dates: RFC 2822, e.g. {@code Tue, 31 Aug 2010 20:36:28 +0000}; null when absent or unreadable. */
    static Instant rfc2822(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return ZonedDateTime.parse(text.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private String callsPath() {
        return "/2010-04-01/Accounts/" + config.accountSid() + "/Calls.json";
    }

    private String callPath(String callSid) {
        return "/2010-04-01/Accounts/" + config.accountSid() + "/Calls/" + callSid + ".json";
    }

    private static void requireSid(String callSid) {
        if (callSid == null || !CALL_SID.matcher(callSid).matches()) {
            throw new IllegalArgumentException("not a Twilio call SID: " + callSid);
        }
    }

    private HttpRequest post(String path, List<Map.Entry<String, String>> form) {
        StringBuilder body = new StringBuilder();
        for (Map.Entry<String, String> field : form) {
            if (body.length() > 0) {
                body.append('&');
            }
            body.append(encode(field.getKey())).append('=').append(encode(field.getValue()));
        }
        return request(path).header("Content-Type", FORM)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(config.baseUrl() + path)).timeout(config.requestTimeout())
                .header("Authorization", config.basicAuthorization()).header("Accept", "application/json");
    }

    /**
     * Sends a request; when Twilio answers 401 (the credential was rotated) and the secret source
     * reads fresh secrets, sends it once more with them. A 401 created nothing, so a create-call
     * request may be repeated.
     */
    private HttpResponse<String> send(HttpRequest request) throws IOException {
        HttpResponse<String> response = exchange(request);
        if (response.statusCode() == 401 && config.secrets().refused()) {
            response = exchange(HttpRequest.newBuilder(request, (name, value) -> !name.equalsIgnoreCase("Authorization"))
                    .header("Authorization", config.basicAuthorization()).build());
        }
        return response;
    }

    private HttpResponse<String> exchange(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    /** The {@code code} of Twilio's error body ({@code {"code": 21211, "message": ..., "more_info": ..., "status": 400}}). */
    private static Integer errorCode(String body) {
        try {
            JsonNode code = JSON.readTree(body).path("code");
            return code.canConvertToInt() ? code.asInt() : null;
        } catch (JsonProcessingException | RuntimeException e) {
            return null;
        }
    }

    private static String text(String body, String field) {
        try {
            JsonNode node = JSON.readTree(body).path(field);
            return node.isTextual() ? node.asText() : null;
        } catch (JsonProcessingException | RuntimeException e) {
            return null;
        }
    }
}
