package dev.calling.carrier.twilio;

import dev.calling.adapters.carrier.FailedDial;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Twilio status callback in, a call event on {@code call-state-changes} out. Checks, in order:
 * the {@code X-Twilio-Signature} over our public callback URL (with the query string Twilio called)
 * and the form, then that the form is a status callback of ours for this account, that it is not a
 * stale replay; then ties Twilio's call to our call attempt (registering the leg when the callback
 * beats the dial's reply) and publishes.
 *
 * <p><b>Order and duplicates.</b> Twilio numbers the callbacks of a call: "SequenceNumber: The order
 * in which the events were fired, starting from 0. Although events are fired in order, they are made
 * as separate HTTP requests, and there is no guarantee they will arrive in the same order" (Call
 * resource, "StatusCallbackEvent"). The dial subscribes to exactly the events that each produce one
 * call event ({@link #SUBSCRIBED_EVENTS}: ringing, answered, completed — not {@code initiated}, which
 * would mean nothing to the call and leave a hole in the numbering), so {@code SequenceNumber + 1}
 * is the attempt's gap-free switch sequence, used unchanged as carrier-rest uses its carrier's
 * {@code sequence}: the state machine puts reordered reports back in order and drops repeats, and
 * the event id {@code <providerId>:<CallSid>:<SequenceNumber>} makes a repeated callback the identical
 * message, which the FIFO queue's deduplication drops as well. The carrier-legs table only ties a
 * call SID to its attempt (and tells an orphan from a call of ours).
 *
 * <p><b>What each status becomes.</b> {@code ringing} → {@code CallRinging}; {@code in-progress}
 * (answered) → {@code CallAnswered}, connection = the call SID; {@code completed} →
 * {@code CallHungUp(CALLEE)}: Twilio does not say who hung up, and every hang-up we ask for is sent
 * only after the state machine has ended the call or left the attempt, so its report is ignored there
 * and never names the wrong party; {@code canceled} (only our own hang-up of a queued or ringing
 * call) → {@code CallHungUp(CALLER)}; {@code busy} → {@code CallFailed} 486 (600 if Twilio says so):
 * BUSY, no failover; {@code no-answer} → {@code CallFailed} with Twilio's {@code SipResponseCode} when
 * it is the callee's (480 unavailable, 603 declined ...), else 487: MISSED, never a failover;
 * {@code failed} → {@code CallFailed} with the SIP code (404/484 end the call UNREACHABLE, 486 busy,
 * 408/5xx fail over), 503 when Twilio gives none (a carrier failure: failover). {@code queued} and
 * {@code initiated} are not subscribed to and produce nothing.
 *
 * <p><b>Orphans.</b> A callback for an attempt that is already another leg (its dial was ambiguous
 * and given up, see {@link FailedDial}) is answered 200, publishes nothing, and the call is hung up
 * while it is live.
 */
public final class TwilioStatusCallback {

    /** The {@code StatusCallbackEvent}s every dial asks for; see the class comment for why not {@code initiated}. */
    public static final List<String> SUBSCRIBED_EVENTS = List.of("ringing", "answered", "completed");

    /** Callbacks stamped further ahead of our clock than this are refused like stale ones. */
    static final Duration FUTURE_SKEW = Duration.ofMinutes(5);

    private static final System.Logger LOG = System.getLogger(TwilioStatusCallback.class.getName());
    private static final Set<Integer> CALLEE_SIP_CODES = Set.of(404, 480, 484, 486, 487, 600, 603, 604);

    private final TwilioApi api;
    private final TwilioConfig config;
    private final DynamoDbCarrierLegs legs;
    private final SqsCallStateChanges callStateChanges;
    private final Clock clock;

    /** {@code api} is used only to hang orphans up. */
    public TwilioStatusCallback(TwilioApi api, DynamoDbCarrierLegs legs, SqsCallStateChanges callStateChanges, Clock clock) {
        this.api = api;
        this.config = api.config();
        this.legs = legs;
        this.callStateChanges = callStateChanges;
        this.clock = clock;
    }

    /** One callback, parsed and checked. */
    record Callback(String callId, int attempt, String callSid, TwilioCallStatus status, long sequenceNumber,
            Integer sipCode, Instant at) {}

    /** The request is not a well-formed status callback of ours. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    /**
     * @param rawQueryString the query string of the request exactly as received (API Gateway's
     *     {@code rawQueryString}), without {@code ?}; the signed URL is {@code status-callback-url?rawQueryString}
     * @param headers the request headers, any case
     * @param body the raw form body (base64-decoded if API Gateway encoded it)
     */
    public TwilioWebhookResult handle(String rawQueryString, Map<String, String> headers, byte[] body) {
        Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            byName.putAll(headers);
        }
        String signature = byName.get(TwilioSignature.HEADER);
        if (signature == null || signature.isBlank()) {
            return TwilioWebhookResult.Rejected.forbidden("missing " + TwilioSignature.HEADER + " header");
        }
        Map<String, String> form;
        Map<String, String> query;
        try {
            form = FormBody.parse(body);
            query = FormBody.parse(rawQueryString);
        } catch (FormBody.Malformed e) {
            return TwilioWebhookResult.Rejected.malformed(e.getMessage());
        }
        String url = config.statusCallbackUrl()
                + (rawQueryString == null || rawQueryString.isEmpty() ? "" : "?" + rawQueryString);
        Optional<String> forged = TwilioSignature.check(config.currentSecrets().authToken(), url, form, signature);
        if (forged.isPresent() && config.secrets().refused()) {
            // Perhaps signed with a rotated auth token we have not read yet (re-read at most every few seconds).
            forged = TwilioSignature.check(config.currentSecrets().authToken(), url, form, signature);
        }
        if (forged.isPresent()) {
            return TwilioWebhookResult.Rejected.forbidden(forged.get());
        }

        Callback callback;
        try {
            callback = parse(query, form, config.accountSid());
        } catch (Malformed e) {
            return TwilioWebhookResult.Rejected.malformed(e.getMessage());
        }
        Instant now = clock.instant();
        if (callback.at().isBefore(now.minus(config.callbackMaxAge())) || callback.at().isAfter(now.plus(FUTURE_SKEW))) {
            return TwilioWebhookResult.Rejected.forbidden("Timestamp " + callback.at() + " is outside "
                    + config.callbackMaxAge() + " of now; replay refused");
        }
        checkSequence(callback);

        Optional<CarrierLeg> leg = legs.byCarrierLeg(config.providerId(), callback.callSid());
        if (leg.isPresent()) {
            if (!leg.get().callId().equals(callback.callId()) || leg.get().attempt() != callback.attempt()) {
                return TwilioWebhookResult.Rejected.malformed("call " + callback.callSid() + " is attempt "
                        + leg.get().callId() + ":" + leg.get().attempt() + ", not " + callback.callId() + ":" + callback.attempt());
            }
        } else {
            try {
                legs.register(callback.callId(), callback.attempt(), config.providerId(), callback.callSid());
            } catch (IllegalStateException attemptTaken) {
                return orphan(callback);
            }
        }
        Optional<CallEvent> event = toEvent(config.providerId(), callback);
        if (event.isEmpty()) {
            LOG.log(Level.WARNING, () -> "Twilio callback '" + callback.status().wire() + "' #" + callback.sequenceNumber()
                    + " of " + callback.callSid() + " was not subscribed to; nothing published");
            return new TwilioWebhookResult.Accepted("'" + callback.status().wire() + "' is not reported to the call");
        }
        callStateChanges.publish(event.get());
        return new TwilioWebhookResult.Accepted("published " + event.get().getClass().getSimpleName() + " #"
                + event.get().switchSequence() + " of " + callback.callId() + ":" + callback.attempt());
    }

    static Callback parse(Map<String, String> query, Map<String, String> form, String accountSid) throws Malformed {
        if (!accountSid.equals(form.get("AccountSid"))) {
            throw new Malformed("the callback is for account " + form.get("AccountSid") + ", not " + accountSid);
        }
        String callId = query.get("callId");
        if (callId == null || callId.isBlank()) {
            throw new Malformed("the callback URL has no callId");
        }
        int attempt;
        try {
            attempt = Integer.parseInt(query.getOrDefault("attempt", ""));
        } catch (NumberFormatException e) {
            throw new Malformed("the callback URL has no attempt number");
        }
        if (attempt < 1) {
            throw new Malformed("attempt must be at least 1: " + attempt);
        }
        String callSid = form.get("CallSid");
        if (callSid == null || !TwilioApi.CALL_SID.matcher(callSid).matches()) {
            throw new Malformed("CallSid must be CA followed by 32 hex digits");
        }
        String statusText = form.get("CallStatus");
        TwilioCallStatus status = TwilioCallStatus.fromWire(statusText)
                .orElseThrow(() -> new Malformed("unknown CallStatus '" + statusText + "'"));
        long sequence;
        try {
            sequence = Long.parseLong(form.getOrDefault("SequenceNumber", ""));
        } catch (NumberFormatException e) {
            throw new Malformed("SequenceNumber must be an integer >= 0");
        }
        if (sequence < 0) {
            throw new Malformed("SequenceNumber must be an integer >= 0");
        }
        Integer sipCode = null;
        String sip = form.get("SipResponseCode");
        if (sip != null && !sip.isBlank()) {
            try {
                sipCode = Integer.parseInt(sip.trim());
            } catch (NumberFormatException e) {
                throw new Malformed("SipResponseCode must be an integer");
            }
        }
        Instant at = TwilioApi.rfc2822(form.get("Timestamp"));
        if (at == null) {
            throw new Malformed("Timestamp must be an RFC 2822 date such as Mon, 23 Nov 2026 09:59:50 +0000");
        }
        return new Callback(callId, attempt, callSid, status, sequence, sipCode, at);
    }

    /**
     * The call event a callback means, or empty for statuses not subscribed to. Switch sequence
     * {@code SequenceNumber + 1}; event id {@code <providerId>:<CallSid>:<SequenceNumber>}.
     */
    static Optional<CallEvent> toEvent(String providerId, Callback c) {
        String eventId = providerId + ":" + c.callSid() + ":" + c.sequenceNumber();
        long sequence = c.sequenceNumber() + 1;
        String callId = c.callId();
        int attempt = c.attempt();
        Instant at = c.at();
        return Optional.ofNullable(switch (c.status()) {
            case QUEUED, INITIATED -> null;
            case RINGING -> new CallEvent.CallRinging(eventId, callId, at, attempt, sequence);
            case IN_PROGRESS -> new CallEvent.CallAnswered(eventId, callId, at, attempt, sequence, c.callSid());
            case COMPLETED -> new CallEvent.CallHungUp(eventId, callId, at, attempt, sequence, Party.CALLEE);
            case CANCELED -> new CallEvent.CallHungUp(eventId, callId, at, attempt, sequence, Party.CALLER);
            case BUSY -> new CallEvent.CallFailed(eventId, callId, at, attempt, sequence,
                    c.sipCode() != null && c.sipCode() == 600 ? 600 : 486, "busy");
            case NO_ANSWER -> new CallEvent.CallFailed(eventId, callId, at, attempt, sequence,
                    c.sipCode() != null && CALLEE_SIP_CODES.contains(c.sipCode()) ? c.sipCode() : 487, "no answer");
            case FAILED -> new CallEvent.CallFailed(eventId, callId, at, attempt, sequence,
                    c.sipCode() == null || c.sipCode() < 300 ? 503 : c.sipCode(), providerId + " reported the call failed");
        });
    }

    /**
     * With ringing, answered and completed subscribed, a call's callbacks are numbered 0, 1, 2 at
     * most, each status no later than its place. A number beyond that means Twilio counts events we
     * do not receive, which would leave gaps the state machine waits on until the ring timeout:
     * said loudly, since it contradicts what this adapter assumes (README.md, "Not confirmed").
     */
    private static void checkSequence(Callback c) {
        long highest = switch (c.status()) {
            case QUEUED, INITIATED, RINGING -> 0;
            case IN_PROGRESS -> 1;
            default -> 2;
        };
        if (c.sequenceNumber() > highest) {
            LOG.log(Level.ERROR, () -> "Twilio callback '" + c.status().wire() + "' of " + c.callSid() + " has SequenceNumber "
                    + c.sequenceNumber() + " > " + highest + ": callbacks are numbered with gaps; the call waits for them");
        }
    }

    /** The attempt is already another leg (its dial was given up, see {@link FailedDial}): hang this call up. */
    private TwilioWebhookResult orphan(Callback callback) {
        String note = config.providerId() + " call " + callback.callSid() + " reports '" + callback.status().wire()
                + "' for " + callback.callId() + ":" + callback.attempt() + ", an attempt given up on";
        LOG.log(Level.WARNING, note);
        if (callback.status().isFinal()) {
            return new TwilioWebhookResult.Accepted(note + "; it has ended");
        }
        try {
            api.hangUp(callback.callSid());
            return new TwilioWebhookResult.Accepted(note + "; hung it up");
        } catch (TwilioApiException e) {
            // Twilio does not retry status callbacks, so failing the request would not bring this back;
            // the call's next callback (answered, completed) tries again.
            LOG.log(Level.ERROR, () -> note + "; hanging it up failed: " + e.getMessage());
            return new TwilioWebhookResult.Accepted(note + "; hanging it up failed");
        }
    }
}
