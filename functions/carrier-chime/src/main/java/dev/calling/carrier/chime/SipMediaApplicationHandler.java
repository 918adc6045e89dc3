package dev.calling.carrier.chime;

import dev.calling.core.privacy.LogMasking;
import dev.calling.adapters.lambda.LogContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.carrier.chime.SmaEvent.Participant;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SIP media application's logic: Chime SDK Voice invokes it for every event of a call it
 * placed for this system; it reports what happened to the call state manager (as sequenced call
 * events on {@code call-state-changes}) and tells Chime what to do next (actions).
 *
 * <p>Chime numbers a transaction's invocations ({@code Sequence}), counting also those that report
 * nothing. The leg in {@code carrier-legs} turns that into the gap-free switch sequence of the
 * attempt: first advance the leg (which takes the next number, conditionally on the leg as read), then
 * publish the event under the number it took, with id {@code chime:<transactionId>:<Sequence>}. The
 * order matters when one step fails and Chime invokes again (it retries an invocation that failed or
 * took too long). Had the event gone out before the leg recorded its number, the next report would
 * take the same number and the call state manager would drop it as a duplicate. Recorded first, the
 * number is never given twice: an invocation the leg has just recorded (its {@code Sequence} is the
 * leg's last) publishes its event again — same id and number, so the queue or the call state manager
 * drops it if the first publication went out — and one the leg has moved past publishes nothing. A
 * report lost between the two steps (its invocation not retried) leaves a gap, which the call state
 * manager's ring timer flushes; it never swallows a later report.
 *
 * <p>A transaction of an attempt that is already another leg (its dial was given up, or placed twice)
 * is an orphan ({@link OrphanTransactions}): it is recorded as such, every invocation of it is answered
 * with a hang-up of its legs (Chime ignores the answer to {@code NEW_OUTBOUND_CALL} and {@code RINGING},
 * and obeys it from {@code CALL_ANSWERED} on, so an answered orphan is hung up at once), and nothing
 * of it is reported.
 *
 * <p>Decisions where Chime leaves a choice:
 * <ul>
 *   <li>Malformed events (not JSON of the documented shape, no TransactionId or Sequence): logged
 *       as errors, nothing published, an empty action list (without leg ids there is nothing to
 *       hang up; the call state manager's timers end such a call).</li>
 *   <li>A transaction this system never registered (an inbound call, a leg whose record expired, an
 *       orphan whose record failed): every connected leg is hung up, nothing published — no call record
 *       would ever bridge or end it, and a leg left up is billed.</li>
 *   <li>Event types this flow does not use (e.g. {@code DIGITS_RECEIVED}) on a known transaction:
 *       logged as errors, nothing published, no actions (the call goes on as it is).</li>
 * </ul>
 */
public final class SipMediaApplicationHandler {

    private static final System.Logger LOG = System.getLogger(SipMediaApplicationHandler.class.getName());
    private static final ObjectMapper MAPPER =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    static final String LEG_A = "LEG-A";
    static final String LEG_B = "LEG-B";
    static final int BRIDGE_TIMEOUT_SECONDS = 30;
    /** SIP code reported when the call broke on Chime's side after it was set up (failed bridge, refused response). */
    static final int SWITCH_FAILURE = 500;

    private final ChimeSettings settings;
    private final DynamoDbCarrierLegs legs;
    private final SqsCallStateChanges callStateChanges;
    private final Clock clock;
    private final OrphanTransactions orphans;

    public SipMediaApplicationHandler(ChimeSettings settings, DynamoDbCarrierLegs legs,
            SqsCallStateChanges callStateChanges, Clock clock) {
        this.settings = settings;
        this.legs = legs;
        this.callStateChanges = callStateChanges;
        this.clock = clock;
        this.orphans = new OrphanTransactions(legs, settings.providerId());
    }

    /** The Lambda's entry: the event as the runtime deserialised it. */
    public SmaResponse handle(Map<String, Object> event) {
        SmaEvent parsed;
        try {
            parsed = MAPPER.convertValue(event, SmaEvent.class);
        } catch (IllegalArgumentException e) {
            return malformed(e);
        }
        return handle(parsed);
    }

    public SmaResponse handle(String json) {
        SmaEvent parsed;
        try {
            parsed = MAPPER.readValue(json, SmaEvent.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return malformed(e);
        }
        return handle(parsed);
    }

    private static SmaResponse malformed(Exception e) {
        String detail = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
        LOG.log(Level.ERROR, "SipMediaHandler: malformed SIP media application event, nothing published: "
                + LogMasking.text(detail));
        return SmaResponse.none();
    }

    public SmaResponse handle(SmaEvent event) {
        String type = event.invocationEventType();
        if ("NEW_OUTBOUND_CALL".equals(type)) {
            registerFromArguments(event);
        }
        Optional<CarrierLeg> found = legs.byCarrierLeg(settings.providerId(), event.transactionId());
        if (found.isEmpty()) {
            LOG.log(Level.WARNING, () -> "SipMediaHandler: " + type + " for unknown transaction " + event.transactionId()
                    + ": hanging up its legs");
            return new SmaResponse(hangUpAll(event.participants(), null));
        }
        CarrierLeg leg = found.get();
        LogContext.call(leg.callId());
        if (OrphanTransactions.isOrphan(leg)) {
            LOG.log(Level.WARNING, () -> "SipMediaHandler: " + type + " of orphan transaction " + event.transactionId()
                    + " (" + leg.callId() + " attempt " + leg.attempt() + "): hanging up its legs, nothing reported");
            return new SmaResponse(hangUpAll(event.participants(), null));
        }
        Reaction reaction = react(event, leg);
        long carrierSequence = event.sequence();
        long switchSequence;
        if (leg.hasSeen(carrierSequence)) {
            if (carrierSequence != leg.lastCarrierSequence() || reaction.report() == null) {
                LOG.log(Level.INFO, () -> "SipMediaHandler: " + type + " #" + carrierSequence + " of transaction "
                        + event.transactionId() + " handled before: nothing published");
                return reaction.response();
            }
            // The leg recorded this very invocation last; its publication may have failed: the same event again.
            switchSequence = leg.reportsIssued();
        } else if (legs.advance(leg, carrierSequence, reaction.report() != null)) {
            switchSequence = leg.reportsIssued() + (reaction.report() != null ? 1 : 0);
        } else {
            Optional<CarrierLeg> now = legs.byCarrierLeg(settings.providerId(), event.transactionId());
            if (now.isEmpty() || now.get().lastCarrierSequence() != carrierSequence) {
                // Another invocation of the transaction moved the leg on while this one was handled; the number this
                // report would have taken is another's now. Chime invokes one call's events one at a time (a retry
                // after a timeout is the same event, which the branch below covers), so say so loudly.
                LOG.log(Level.WARNING, () -> "SipMediaHandler: transaction " + event.transactionId() + " moved past #"
                        + carrierSequence + " while it was handled (concurrent invocations): nothing published");
                return reaction.response();
            }
            // A duplicate of this very invocation running alongside recorded it first: publish the same event.
            switchSequence = now.get().reportsIssued();
        }
        if (reaction.report() != null) {
            CallEvent report = reaction.report().toEvent(eventId(event), leg.callId(), clock.instant(), leg.attempt(),
                    switchSequence);
            callStateChanges.publish(report);
            LOG.log(Level.INFO, () -> "SipMediaHandler: call " + leg.callId() + " attempt " + leg.attempt() + ": "
                    + type + " -> " + report.getClass().getSimpleName() + " #" + report.switchSequence());
        }
        return reaction.response();
    }

    /** The id of the event an invocation reports: the same for every invocation of the same Chime event. */
    static String eventId(SmaEvent event) {
        return "chime:" + event.transactionId() + ":" + event.sequence();
    }

    /**
     * The first invocation of a call this system placed carries the call's identity in the
     * arguments of CreateSipMediaApplicationCall; registering here too (the carrier adapter
     * registers when Chime answers its request) means the leg is known whichever comes first.
     */
    private void registerFromArguments(SmaEvent event) {
        Map<String, String> arguments = event.actionData().arguments();
        String callId = arguments.get(SmaArguments.CALL_ID);
        String attempt = arguments.get(SmaArguments.ATTEMPT);
        String providerId = arguments.get(SmaArguments.PROVIDER_ID);
        if (callId == null || attempt == null || !settings.providerId().equals(providerId)) {
            LOG.log(Level.ERROR, "SipMediaHandler: NEW_OUTBOUND_CALL " + event.transactionId()
                    + " was not placed by provider " + settings.providerId() + " (arguments " + arguments + ")");
            return;
        }
        int attemptNumber;
        try {
            attemptNumber = Integer.parseInt(attempt);
        } catch (NumberFormatException e) {
            LOG.log(Level.ERROR, "SipMediaHandler: NEW_OUTBOUND_CALL " + event.transactionId() + " has attempt " + attempt);
            return;
        }
        try {
            legs.register(callId, attemptNumber, providerId, event.transactionId());
        } catch (IllegalStateException taken) {
            // The attempt is another leg: its dial gave up on Chime's answer (a failed-dial marker) and failed over,
            // or it was placed twice. This transaction is an orphan, to be hung up.
            LOG.log(Level.WARNING, "SipMediaHandler: transaction " + event.transactionId()
                    + " is an orphan and will be hung up: " + taken.getMessage());
            orphans.record(callId, attemptNumber, event.transactionId());
        }
    }

    private Reaction react(SmaEvent event, CarrierLeg leg) {
        String type = event.invocationEventType();
        return switch (type) {
            case "NEW_OUTBOUND_CALL", "ACTION_SUCCESSFUL", "ACTION_INTERRUPTED" -> Reaction.nothing();
            case "RINGING" -> Reaction.report(CallEvent.CallRinging::new);
            case "CALL_ANSWERED" -> Reaction.report((id, callId, at, attempt, seq) ->
                    new CallEvent.CallAnswered(id, callId, at, attempt, seq, connectionId(event.transactionId())));
            case "HANGUP" -> hangup(event);
            case "ACTION_FAILED" -> actionFailed(event);
            case "CALL_UPDATE_REQUESTED" -> updateRequested(event, leg);
            case "INVALID_LAMBDA_RESPONSE" -> {
                LOG.log(Level.ERROR, "SipMediaHandler: Chime refused our response for transaction "
                        + event.transactionId() + ": " + event.error());
                yield new Reaction(hangUpAll(event.participants(), null),
                        failed(SWITCH_FAILURE, "SIP media application response refused: " + event.error()));
            }
            default -> {
                LOG.log(Level.ERROR, "SipMediaHandler: unsupported invocation event type " + type + " for transaction "
                        + event.transactionId() + ": ignored");
                yield Reaction.nothing();
            }
        };
    }

    /** The PSTN leg's id as the call state manager sees it (the answering "connection" of a PSTN call). */
    static String connectionId(String transactionId) {
        return "chime:" + transactionId;
    }

    /**
     * A leg hung up. LEG-A is the PSTN callee: a normal clearing is the callee hanging up, any other
     * final SIP code (486 busy, 603 declined, 480 no answer, 5xx) is the call failing with it, which
     * the state machine turns into the right end or a failover. LEG-B is the app side the bridge
     * added: the caller's side went away. Chime never hangs up the other leg by itself, so it is
     * hung up here whenever it is still connected.
     */
    private Reaction hangup(SmaEvent event) {
        SmaEvent.ActionData data = event.actionData();
        Optional<String> reportedCallId = data.parameter("CallId");
        String tag = data.parameter("ParticipantTag").orElseGet(() -> event.participants().stream()
                .filter(p -> reportedCallId.isPresent() && reportedCallId.get().equals(p.callId()))
                .map(Participant::participantTag).findFirst().orElse(LEG_A));
        String goneCallId = reportedCallId.orElseGet(() -> event.participant(tag).map(Participant::callId).orElse(null));
        List<SmaAction> actions = hangUpAll(event.participants(), goneCallId);
        if (LEG_B.equals(tag)) {
            return new Reaction(actions, hungUp(Party.CALLER));
        }
        int code = data.parameter("SipResponseCode").map(SipMediaApplicationHandler::sipCode).orElse(0);
        if (code == 0 || (code >= 200 && code < 300)) {
            return new Reaction(actions, hungUp(Party.CALLEE));
        }
        return new Reaction(actions, failed(code, "PSTN leg ended with SIP " + code));
    }

    private static int sipCode(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * A returned action failed. Only a failed CallAndBridge or JoinChimeMeeting matters: the answered
     * callee cannot be joined with the caller, so the PSTN leg is hung up and the call reported failed.
     */
    private Reaction actionFailed(SmaEvent event) {
        String action = event.actionData().type();
        if ("JoinChimeMeeting".equals(action)) {
            return new Reaction(hangUpAll(event.participants(), null),
                    failed(SWITCH_FAILURE, "joining the call's meeting failed: " + event.error()));
        }
        if (!"CallAndBridge".equals(action)) {
            LOG.log(Level.WARNING, "SipMediaHandler: action " + action + " failed on transaction " + event.transactionId()
                    + ": " + event.error());
            return Reaction.nothing();
        }
        return new Reaction(hangUpAll(event.participants(), null),
                failed(SWITCH_FAILURE, "bridge to the caller's connection failed: " + event.error()));
    }

    /** The carrier adapter's commands, sent through UpdateSipMediaApplicationCall. */
    private Reaction updateRequested(SmaEvent event, CarrierLeg leg) {
        Map<String, String> arguments = event.actionData().arguments();
        String action = arguments.get(SmaArguments.ACTION);
        if (SmaArguments.HANGUP.equals(action)) {
            return new Reaction(hangUpAll(event.participants(), null), null);
        }
        if (SmaArguments.PROBE.equals(action)) {
            return Reaction.nothing(); // the call is still up: that is all the adapter wanted to know
        }
        if (SmaArguments.BRIDGE.equals(action)) {
            if (event.participant(LEG_B).filter(Participant::connected).isPresent()) {
                return Reaction.nothing(); // bridged already: a repeated command must not add a second leg
            }
            String connection = arguments.get(SmaArguments.CALLER_CONNECTION_ID);
            if (connection == null) {
                LOG.log(Level.ERROR, "SipMediaHandler: bridge request without " + SmaArguments.CALLER_CONNECTION_ID
                        + " on transaction " + event.transactionId());
                return Reaction.nothing();
            }
            if (settings.voiceConnectorArn() == null) {
                LOG.log(Level.ERROR, "SipMediaHandler: bridge request on transaction " + event.transactionId()
                        + ", but no Voice Connector is configured (calls join meetings here)");
                return new Reaction(hangUpAll(event.participants(), null),
                        failed(SWITCH_FAILURE, "no Voice Connector to bridge the caller's connection through"));
            }
            String callerId = event.participant(LEG_A).map(Participant::from).filter(f -> f != null && !f.isBlank())
                    .orElse(settings.fromPhoneNumber());
            try {
                return new Reaction(List.of(new SmaAction.CallAndBridge(callerId, settings.voiceConnectorArn(),
                        settings.bridgeUser(connection), leg.callId(), BRIDGE_TIMEOUT_SECONDS)), null);
            } catch (IllegalArgumentException unusable) {
                LOG.log(Level.ERROR, "SipMediaHandler: " + unusable.getMessage());
                return new Reaction(hangUpAll(event.participants(), null),
                        failed(SWITCH_FAILURE, "caller's connection cannot be bridged: " + unusable.getMessage()));
            }
        }
        if (SmaArguments.JOIN_MEETING.equals(action)) {
            String meetingId = arguments.get(SmaArguments.MEETING_ID);
            String joinToken = arguments.get(SmaArguments.JOIN_TOKEN);
            Optional<String> phoneLeg = event.participant(LEG_A).filter(Participant::connected).map(Participant::callId);
            if (meetingId == null || joinToken == null || phoneLeg.isEmpty()) {
                LOG.log(Level.ERROR, "SipMediaHandler: join-meeting request without a meeting, a join token or a"
                        + " connected phone leg on transaction " + event.transactionId());
                return Reaction.nothing();
            }
            return new Reaction(List.of(new SmaAction.JoinChimeMeeting(joinToken, phoneLeg.get(), meetingId)), null);
        }
        LOG.log(Level.ERROR, "SipMediaHandler: unknown update action " + action + " on transaction " + event.transactionId());
        return Reaction.nothing();
    }

    /** Hangup for every leg that may still be up, except {@code exceptCallId} (the one already gone). */
    private static List<SmaAction> hangUpAll(List<Participant> participants, String exceptCallId) {
        return participants.stream()
                .filter(Participant::connected)
                .filter(p -> p.callId() != null && !p.callId().equals(exceptCallId))
                .<SmaAction>map(p -> new SmaAction.Hangup(p.callId()))
                .toList();
    }

    private static Report hungUp(Party party) {
        return (id, callId, at, attempt, seq) -> new CallEvent.CallHungUp(id, callId, at, attempt, seq, party);
    }

    private static Report failed(int sipCode, String cause) {
        return (id, callId, at, attempt, seq) -> new CallEvent.CallFailed(id, callId, at, attempt, seq, sipCode, cause);
    }

    /** The call event an invocation produces, once its id and numbers are known. */
    @FunctionalInterface
    private interface Report {
        CallEvent toEvent(String eventId, String callId, Instant at, int attempt, long switchSequence);
    }

    /** What to answer Chime, and what to report (or null). */
    private record Reaction(List<SmaAction> actions, Report report) {
        static Reaction nothing() {
            return new Reaction(List.of(), null);
        }

        static Reaction report(Report report) {
            return new Reaction(List.of(), report);
        }

        SmaResponse response() {
            return new SmaResponse(actions);
        }
    }
}
