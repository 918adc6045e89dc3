package dev.calling.carrier.chime;

import dev.calling.core.privacy.LogMasking;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.carrier.FailedDial;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CarrierPort;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.chimesdkvoice.ChimeSdkVoiceClient;
import software.amazon.awssdk.services.chimesdkvoice.model.NotFoundException;
import software.amazon.awssdk.services.chimesdkvoice.model.ThrottledClientException;

/**
 * Amazon Chime SDK Voice as a PSTN carrier. A dial is a CreateSipMediaApplicationCall whose
 * arguments name the call attempt; bridge and hang-up are UpdateSipMediaApplicationCall requests
 * that the SIP media application ({@link SipMediaApplicationHandler}) turns into actions. Chime's
 * transaction id is the carrier leg id in {@code carrier-legs}.
 *
 * <p>How the answered leg reaches the caller's app: through the Voice Connector ({@code CallAndBridge}
 * to the app's connection on a SIP switch), or, with {@link MeetingSeats}, into the call's Amazon
 * Chime SDK meeting ({@code JoinChimeMeeting}), where the caller's app joins with its own attendee.
 *
 * <p>Every command may be repeated (redelivery, outbox replay), so each is idempotent: a dial
 * whose attempt is registered already is not placed again; a bridge of a bridged call and a hang-up
 * of a gone call change nothing.
 *
 * <p>A dial Chime refuses or cannot take is a carrier failure, not an error of the caller: it is
 * reported as {@code CallFailed} (SIP 503, 500 for Chime's own service failure, 0 when Chime was not
 * reached at all) so the call state manager fails over to the next carrier, and the command
 * succeeds. Errors on bridge and hang-up do throw: the command is redelivered and issued again.
 *
 * <p><b>Definite and ambiguous dials.</b> A 4xx answer to CreateSipMediaApplicationCall (bad request,
 * forbidden, limits, throttling) means Chime created no call: the attempt is reported failed and
 * nothing is recorded. Any other failure — a timeout, a dropped connection, a 5xx — may come after
 * Chime created the call, whose phone leg then rings and may be answered. So the attempt is given up
 * the way the other carriers do it ({@link FailedDial}): a marker registered in place of Chime's
 * transaction races the SIP media application's registration of the real one in {@code NEW_OUTBOUND_CALL}.
 * If the marker wins, the attempt is reported failed (the call fails over) and the transaction, if
 * Chime did create it, is an orphan that the SIP media application hangs up and records
 * ({@link OrphanTransactions}), where a hang-up of the attempt finds it too. If the transaction wins,
 * the call exists and reports itself: nothing is reported failed. The SDK does not retry the request
 * except after throttling: a retry after an ambiguous failure could place a second call.
 */
public final class ChimeSdkVoiceCarrier implements CarrierPort {

    private static final System.Logger LOG = System.getLogger(ChimeSdkVoiceCarrier.class.getName());

    /**
     * The SDK's retries for CreateSipMediaApplicationCall: only after throttling, which created nothing.
     * After a 5xx or a timeout Chime may have placed the call, and a retry could place a second one.
     */
    static final RetryStrategy DIAL_RETRIES = StandardRetryStrategy.builder()
            .maxAttempts(3)
            .retryOnException(ChimeSdkVoiceCarrier::throttled)
            .treatAsThrottling(ChimeSdkVoiceCarrier::throttled)
            .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(100), Duration.ofSeconds(2)))
            .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(500), Duration.ofSeconds(5)))
            .circuitBreakerEnabled(false)
            .build();

    private final ChimeSdkVoiceClient chime;
    private final ChimeSettings settings;
    private final DynamoDbCarrierLegs legs;
    private final SqsCallStateChanges callStateChanges;
    private final Clock clock;
    private final Optional<MeetingSeats> meetings;
    private final OrphanTransactions orphans;

    /** Bridging answered legs to the app side through the Voice Connector ({@code CallAndBridge}). */
    public ChimeSdkVoiceCarrier(ChimeSdkVoiceClient chime, ChimeSettings settings, DynamoDbCarrierLegs legs,
            SqsCallStateChanges callStateChanges, Clock clock) {
        this(chime, settings, legs, callStateChanges, clock, Optional.empty());
    }

    /**
     * With {@code meetings}: an answered leg joins its call's Amazon Chime SDK meeting instead
     * ({@code JoinChimeMeeting}), where the caller's app meets it.
     */
    public ChimeSdkVoiceCarrier(ChimeSdkVoiceClient chime, ChimeSettings settings, DynamoDbCarrierLegs legs,
            SqsCallStateChanges callStateChanges, Clock clock, Optional<MeetingSeats> meetings) {
        this.chime = chime;
        this.settings = settings;
        this.legs = legs;
        this.callStateChanges = callStateChanges;
        this.clock = clock;
        this.meetings = meetings;
        this.orphans = new OrphanTransactions(legs, settings.providerId());
    }

    @Override
    public void dial(CallCommand.DialNumber command) {
        requireMine(command.providerId());
        Optional<CarrierLeg> known = legs.byCall(command.callId(), command.attempt());
        if (known.isPresent()) {
            // A repeated command: placed before (nothing to do), or given up before (say so again, same event).
            FailedDial.sipCodeOf(known.get().carrierLegId()).ifPresent(sipCode -> publishDialFailure(command, sipCode,
                    settings.providerId() + " failed this dial before (redelivered command)"));
            return;
        }
        String transactionId;
        try {
            transactionId = chime.createSipMediaApplicationCall(r -> r
                    .sipMediaApplicationId(settings.sipMediaApplicationId())
                    .fromPhoneNumber(settings.fromPhoneNumber())
                    .toPhoneNumber(command.number())
                    .argumentsMap(Map.of(
                            SmaArguments.CALL_ID, command.callId(),
                            SmaArguments.ATTEMPT, Integer.toString(command.attempt()),
                            SmaArguments.PROVIDER_ID, command.providerId()))
                    .overrideConfiguration(o -> o.addPlugin(client -> client.overrideConfiguration(
                            c -> c.retryStrategy(DIAL_RETRIES)))))
                    .sipMediaApplicationCall().transactionId();
        } catch (SdkException failed) {
            if (refusedBeforeCreating(failed)) {
                reportDialFailure(command, failed);
            } else {
                giveUp(command, failed);
            }
            return;
        }
        try {
            legs.register(command.callId(), command.attempt(), command.providerId(), transactionId);
        } catch (IllegalStateException duplicate) {
            // An earlier try of this command placed the attempt already (its registration raced ours): this
            // second call must not ring on.
            LOG.log(Level.WARNING, "Chime: call " + command.callId() + " attempt " + command.attempt()
                    + " was placed twice; hanging up transaction " + transactionId);
            update(transactionId, Map.of(SmaArguments.ACTION, SmaArguments.HANGUP));
        }
    }

    /**
     * Chime may or may not have created the call: the attempt's failed-dial marker and the SIP media
     * application's registration of a real transaction race for the attempt, and the winner decides.
     */
    private void giveUp(CallCommand.DialNumber command, SdkException ambiguous) {
        int sipCode = sipCodeFor(ambiguous);
        try {
            legs.register(command.callId(), command.attempt(), command.providerId(),
                    FailedDial.marker(sipCode, command.callId(), command.attempt()));
        } catch (IllegalStateException placed) {
            LOG.log(Level.WARNING, "Chime: call " + command.callId() + " attempt " + command.attempt()
                    + ": no definite answer to the dial (" + firstLine(ambiguous.getMessage())
                    + "), but Chime placed the call and it reports itself; not failing the attempt");
            return;
        }
        String cause = settings.providerId() + " gave no definite answer to the call request, any call it placed is"
                + " hung up: " + firstLine(ambiguous.getMessage());
        LOG.log(Level.WARNING, "Chime: call " + command.callId() + " attempt " + command.attempt() + ": " + LogMasking.text(cause));
        publishDialFailure(command, sipCode, cause);
    }

    @Override
    public void bridge(CallCommand.BridgeToNumber command) {
        requireMine(command.providerId());
        CarrierLeg leg = legs.liveLeg(command.callId(), command.attempt())
                .orElseThrow(() -> new IllegalStateException(
                "no Chime leg for call " + command.callId() + " attempt " + command.attempt() + " to bridge"));
        if (meetings.isEmpty()) {
            update(leg.carrierLegId(), Map.of(SmaArguments.ACTION, SmaArguments.BRIDGE,
                    SmaArguments.CALLER_CONNECTION_ID, command.callerConnectionId()));
            return;
        }
        Optional<MeetingSeats.Seat> seat;
        try {
            seat = meetings.get().seat(command.callId(), command.attempt(), command.callerUserId(),
                    command.callerConnectionId());
        } catch (MeetingSeats.Unavailable unavailable) {
            // Retrying through the call's queue would hold its later events (and its cut-off timer, issued
            // after this command) for minutes while the answered callee hears nothing: end the call now.
            LOG.log(Level.WARNING, "Chime: call " + command.callId() + " attempt " + command.attempt()
                    + ": no seat in the call's meeting: " + unavailable.getMessage());
            callStateChanges.publish(new CallEvent.CallFailed(seatFailureEventId(command), command.callId(),
                    clock.instant(), 0, 0, SipMediaApplicationHandler.SWITCH_FAILURE,
                    "the phone leg could not join the call's meeting: " + unavailable.getMessage()));
            return;
        }
        if (seat.isEmpty()) {
            LOG.log(Level.INFO, () -> "Chime: call " + command.callId() + " has no media any more; no join");
            return;
        }
        if (seat.get().seatedBefore()) {
            return; // a repeated command: the leg was told to join already, a second join would fail it
        }
        update(leg.carrierLegId(), Map.of(SmaArguments.ACTION, SmaArguments.JOIN_MEETING,
                SmaArguments.MEETING_ID, seat.get().meetingId(), SmaArguments.JOIN_TOKEN, seat.get().joinToken()));
        meetings.get().seated(command.callId(), command.attempt());
    }

    /**
     * Hangs up the attempt's leg, and any orphan transaction of the attempt: after a dial given up on
     * (no leg, a failed-dial marker) the SIP media application may have recorded one since.
     */
    @Override
    public void hangUp(CallCommand.HangUpNumber command) {
        requireMine(command.providerId());
        legs.liveLeg(command.callId(), command.attempt())
                .ifPresent(leg -> update(leg.carrierLegId(), Map.of(SmaArguments.ACTION, SmaArguments.HANGUP)));
        orphans.of(command.callId(), command.attempt()).ifPresent(orphan -> {
            LOG.log(Level.INFO, () -> "Chime: call " + command.callId() + " attempt " + command.attempt()
                    + ": hanging up orphan transaction " + orphan);
            update(orphan, Map.of(SmaArguments.ACTION, SmaArguments.HANGUP));
        });
    }

    /**
     * Chime SDK Voice has no call-status request: the adapter probes the transaction with an
     * UpdateSipMediaApplicationCall that asks for nothing ({@code action=probe}, answered with no actions by
     * the SIP media application, one invocation). NotFound means the call is over, and its end is reported
     * at the time we learnt it (up to one watchdog interval after the real end: Chime does not say when).
     */
    @Override
    public void check(CallCommand.CheckNumber command) {
        requireMine(command.providerId());
        Optional<CarrierLeg> leg = legs.liveLeg(command.callId(), command.attempt());
        if (leg.isEmpty()) {
            return;
        }
        try {
            chime.updateSipMediaApplicationCall(r -> r.sipMediaApplicationId(settings.sipMediaApplicationId())
                    .transactionId(leg.get().carrierLegId()).arguments(Map.of(SmaArguments.ACTION, SmaArguments.PROBE)));
        } catch (NotFoundException over) {
            LOG.log(Level.WARNING, () -> "Chime: call " + command.callId() + " attempt " + command.attempt()
                    + ": its transaction is over but its hang-up was never reported; reporting it now");
            callStateChanges.publish(command.legEnded(clock.instant()));
        }
    }

    /** Hands the SIP media application a command; a call Chime no longer knows has ended already. */
    private void update(String transactionId, Map<String, String> arguments) {
        try {
            chime.updateSipMediaApplicationCall(r -> r.sipMediaApplicationId(settings.sipMediaApplicationId())
                    .transactionId(transactionId).arguments(arguments));
        } catch (NotFoundException gone) {
            LOG.log(Level.INFO, () -> "Chime: transaction " + transactionId + " is over; "
                    + arguments.get(SmaArguments.ACTION) + " not needed");
        }
    }

    /** Chime refused the dial: no call exists, so nothing is recorded and the attempt fails over. */
    private void reportDialFailure(CallCommand.DialNumber command, SdkException refused) {
        String cause = settings.providerId() + " refused the call: " + firstLine(refused.getMessage());
        LOG.log(Level.WARNING, "Chime: call " + command.callId() + " attempt " + command.attempt() + ": " + LogMasking.text(cause));
        publishDialFailure(command, sipCodeFor(refused), cause);
    }

    private void publishDialFailure(CallCommand.DialNumber command, int sipCode, String cause) {
        // Sequence 1 of the attempt: no Chime transaction reports it, so no other report of it can be numbered.
        callStateChanges.publish(new CallEvent.CallFailed(dialFailureEventId(command), command.callId(),
                clock.instant(), command.attempt(), 1, sipCode, cause));
    }

    static String seatFailureEventId(CallCommand.BridgeToNumber command) {
        return "chime:seat-failed:" + command.callId() + ":" + command.attempt();
    }

    static String dialFailureEventId(CallCommand.DialNumber command) {
        return "chime:dial-failed:" + command.callId() + ":" + command.attempt();
    }

    /** 500 for Chime's own failure, 503 for any other refusal (throttling, limits, access, bad request), 0 when unreached. */
    static int sipCodeFor(SdkException refused) {
        if (refused instanceof AwsServiceException service) {
            return service.statusCode() == 500 ? 500 : 503;
        }
        return 0;
    }

    /**
     * Whether Chime answered the dial with a refusal that means it created no call: a 4xx service error
     * (CreateSipMediaApplicationCall's BadRequest, Unauthorized, Forbidden, AccessDenied, NotFound,
     * ResourceLimitExceeded, Throttled). A 408 is a timeout on the way and, like 5xx and every client-side
     * failure (timeout, dropped connection, unreadable answer), leaves open whether the call was created.
     */
    static boolean refusedBeforeCreating(Throwable failure) {
        if (!(failure instanceof AwsServiceException service)) {
            return false;
        }
        int status = service.statusCode();
        return status >= 400 && status < 500 && status != 408;
    }

    /** Throttling: Chime turned the request away without creating anything, so it can be sent again. */
    static boolean throttled(Throwable failure) {
        return failure instanceof ThrottledClientException
                || failure instanceof AwsServiceException service && service.statusCode() == 429;
    }

    private void requireMine(String providerId) {
        if (!settings.providerId().equals(providerId)) {
            throw new IllegalArgumentException("command for provider " + providerId + " sent to Chime carrier "
                    + settings.providerId());
        }
    }

    private static String firstLine(String message) {
        return message == null ? "(no detail)" : message.lines().findFirst().orElse("");
    }
}
