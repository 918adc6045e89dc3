package dev.calling.carrier.rest;

import dev.calling.core.privacy.LogMasking;
import dev.calling.adapters.carrier.FailedDial;
import dev.calling.adapters.carrier.LegCheck;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CarrierPort;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.Optional;

/**
 * {@link CarrierPort} for one REST carrier (docs/carrier-rest-api.md).
 *
 * <p>A dial never throws for the carrier's own failure (5xx, 429, timeout, refused connection,
 * unreadable reply): it reports the attempt failed with a {@code CallFailed} on
 * {@code call-state-changes}, so the state machine fails over to the next carrier exactly as it
 * would on a failure the carrier reported itself. That event is the attempt's switch report #1 —
 * the number the carrier's first callback would carry — and {@link FailedDial} explains why that
 * is safe. It throws only when our own infrastructure fails (DynamoDB, SQS), so the command is
 * redelivered.
 *
 * <p>Bridge and hangup throw {@link CarrierApiException} when the carrier refuses or does not
 * answer; the command's queue redelivers it, and both are idempotent at the carrier.
 *
 * <p>Check asks the carrier for the leg's status ({@code GET /v1/calls/{id}}) and, when the carrier says it
 * has ended, reports the callee's hang-up at the carrier's {@code endedAt}. It never throws for the
 * carrier's failure: the connected call's watchdog asks again at its next tick.
 */
public final class RestCarrier implements CarrierPort {

    /** A dial failure is the attempt's first switch report; see {@link FailedDial}. */
    static final long DIAL_FAILURE_SEQUENCE = 1;

    private static final System.Logger LOG = System.getLogger(RestCarrier.class.getName());

    private final RestCarrierApi api;
    private final DynamoDbCarrierLegs legs;
    private final SqsCallStateChanges callStateChanges;
    private final Clock clock;
    private final LegCheck legCheck;

    public RestCarrier(RestCarrierApi api, DynamoDbCarrierLegs legs, SqsCallStateChanges callStateChanges, Clock clock) {
        this.api = api;
        this.legs = legs;
        this.callStateChanges = callStateChanges;
        this.clock = clock;
        this.legCheck = new LegCheck(providerId(), legs, callStateChanges, clock);
    }

    public String providerId() {
        return api.config().providerId();
    }

    @Override
    public void dial(CallCommand.DialNumber command) {
        requireMine(command.providerId());
        ClientReference reference = new ClientReference(command.callId(), command.attempt());
        Optional<CarrierLeg> known = legs.byCall(command.callId(), command.attempt());
        if (known.isPresent()) {
            // Redelivered dial: the attempt was placed (nothing to do) or had failed (say so again, same event id).
            FailedDial.sipCodeOf(known.get().carrierLegId()).ifPresent(sipCode ->
                    publishFailure(reference, sipCode, providerId() + " failed this dial before (redelivered command)"));
            return;
        }
        RestCarrierApi.DialReply reply = api.placeCall(command.number(), reference);
        if (reply instanceof RestCarrierApi.DialReply.Placed placed) {
            legs.register(command.callId(), command.attempt(), providerId(), placed.carrierCallId());
        } else {
            giveUp(reference, (RestCarrierApi.DialReply.NotPlaced) reply);
        }
    }

    private void giveUp(ClientReference reference, RestCarrierApi.DialReply.NotPlaced failed) {
        try {
            legs.register(reference.callId(), reference.attempt(), providerId(),
                    FailedDial.marker(failed.sipCode(), reference.callId(), reference.attempt()));
        } catch (IllegalStateException callbackCameFirst) {
            // The carrier's first status callback registered its call before us: the call exists and is
            // being reported, so this attempt has not failed after all.
            LOG.log(Level.WARNING, () -> "dial " + reference + " via " + providerId() + ": " + LogMasking.text(failed.cause())
                    + ", but the carrier already reports the call; not failing the attempt");
            return;
        }
        LOG.log(Level.WARNING, () -> "dial " + reference + " via " + providerId() + " failed: " + LogMasking.text(failed.cause()));
        publishFailure(reference, failed.sipCode(), failed.cause());
    }

    private void publishFailure(ClientReference reference, int sipCode, String cause) {
        callStateChanges.publish(new CallEvent.CallFailed(
                FailedDial.eventId(reference.callId(), reference.attempt()), reference.callId(),
                clock.instant(), reference.attempt(), DIAL_FAILURE_SEQUENCE, sipCode, cause));
    }

    @Override
    public void bridge(CallCommand.BridgeToNumber command) {
        requireMine(command.providerId());
        CarrierLeg leg = legs.liveLeg(command.callId(), command.attempt())
                .orElseThrow(() -> new IllegalStateException("no " + providerId() + " call for attempt "
                        + command.attempt() + " of call " + command.callId() + " to bridge"));
        if (!api.bridge(leg.carrierLegId(), api.config().bridgeSipUri(command.callId(), command.callerConnectionId()))) {
            LOG.log(Level.INFO, () -> providerId() + " call " + leg.carrierLegId() + " of " + command.callId()
                    + " ended before it was bridged; its hangup report ends the call");
        }
    }

    @Override
    public void hangUp(CallCommand.HangUpNumber command) {
        requireMine(command.providerId());
        Optional<CarrierLeg> leg = legs.liveLeg(command.callId(), command.attempt());
        if (leg.isEmpty()) {
            // The attempt never got a carrier call: nothing rings. (A real call that shows up later for
            // a failed attempt is hung up by the webhook as an orphan.)
            LOG.log(Level.INFO, () -> "hangup " + command.callId() + ":" + command.attempt() + " via " + providerId()
                    + ": no carrier call, nothing to hang up");
            return;
        }
        if (!api.hangUp(leg.get().carrierLegId())) {
            LOG.log(Level.INFO, () -> "hangup " + command.callId() + ":" + command.attempt() + ": "
                    + providerId() + " call " + leg.get().carrierLegId() + " had already ended");
        }
    }

    /**
     * The watchdog's question, asked with the protocol's {@code GET /v1/calls/{callId}} (see {@link LegCheck}
     * for what each answer does).
     */
    @Override
    public void check(CallCommand.CheckNumber command) {
        requireMine(command.providerId());
        legCheck.check(command, carrierCallId -> api
                .callStatus(carrierCallId).map(state -> new LegCheck.Answer(state.status(), state.ended(), state.endedAt())));
    }

    private void requireMine(String providerId) {
        if (!providerId().equals(providerId)) {
            throw new IllegalArgumentException("command for carrier " + providerId + " sent to " + providerId());
        }
    }
}
