package dev.calling.carrier.twilio;

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
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@link CarrierPort} for one Twilio account (README.md of this module).
 *
 * <p><b>Dial.</b> A redelivered dial of an attempt the carrier-legs table knows does nothing (or,
 * for an attempt whose dial failed, publishes the same {@code CallFailed} again). Otherwise one
 * create-call request; the SID Twilio returns is registered as the attempt's leg. The status
 * callback URL carries {@code callId} and {@code attempt}, our reference for the attempt, since
 * Twilio's Calls API takes no idempotency key.
 *
 * <p>A dial never throws for Twilio's own failure, nor when the account's secrets or the caller's
 * Voice token cannot be had (only our own carrier-legs table or queue failing makes it throw, to be
 * retried): it reports the attempt failed with a
 * {@code CallFailed} on {@code call-state-changes}, switch report #1 of the attempt (the number the
 * first status callback would carry, see {@link FailedDial}), so the state machine fails over
 * exactly as it would on a failure Twilio reported itself (5xx, 429, no answer, refused connection
 * → failover; a number Twilio refuses as invalid or unreachable → 484/404, which ends the call).
 *
 * <p><b>Ambiguous dial.</b> A timeout or a dropped connection after the request went out may have
 * created the call. The attempt is failed over as above (once the failed-dial marker wins the
 * attempt), and then every live call to that number from our number created since the dial, that no
 * attempt owns, is hung up. What that look-up misses (Twilio's list is eventually consistent) is
 * hung up by {@link TwilioStatusCallback} when its first callback arrives for an attempt that is
 * already the marker's.
 *
 * <p><b>Bridge</b> replaces the answered leg's TwiML with {@code <Dial><Client>} to the caller's
 * Twilio Voice SDK; a repeated bridge finds the app's leg (a child call) and does not dial again.
 * <b>Hang-up</b> sets {@code Status=completed}. Both throw {@link TwilioApiException} when Twilio
 * refuses or does not answer, so the command is redelivered; a call that has ended already is success.
 * <b>Check</b> fetches the answered leg ("Fetch a Call") and, when Twilio reports it over, publishes the
 * callee's hang-up at Twilio's {@code end_time}; it never throws for Twilio's failure (the next check asks again).
 */
public final class TwilioCarrier implements CarrierPort {

    /** A dial failure is the attempt's first switch report; see {@link FailedDial}. */
    static final long DIAL_FAILURE_SEQUENCE = 1;

    /** How far apart our clock and Twilio's {@code date_created} may be when the look-up matches a call to a dial. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    private static final System.Logger LOG = System.getLogger(TwilioCarrier.class.getName());

    /** How long the caller's app may take to accept the bridge's call invite ({@code <Dial timeout>}). */
    static final Duration APP_ANSWER_TIMEOUT = Duration.ofSeconds(30);

    private final TwilioApi api;
    private final CallerClient callerClient;
    private final DynamoDbCarrierLegs legs;
    private final SqsCallStateChanges callStateChanges;
    private final Clock clock;
    private final LegCheck legCheck;

    public TwilioCarrier(TwilioApi api, CallerClient callerClient, DynamoDbCarrierLegs legs,
            SqsCallStateChanges callStateChanges, Clock clock) {
        this.api = api;
        this.callerClient = callerClient;
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
        String callId = command.callId();
        int attempt = command.attempt();
        Optional<CarrierLeg> known = legs.byCall(callId, attempt);
        if (known.isPresent()) {
            // Redelivered dial: the attempt was placed (nothing to do) or had failed (say so again, same event id).
            FailedDial.sipCodeOf(known.get().carrierLegId()).ifPresent(sipCode -> publishFailure(callId, attempt, sipCode,
                    providerId() + " failed this dial before (redelivered command)"));
            return;
        }
        // The caller's app gets its Voice token while the number rings, so it is registered by the bridge.
        // Without it the answered phone could never reach the caller: fail the attempt over instead of
        // throwing, which would hold the call's later commands (its ring timer) behind a retried dial.
        try {
            callerClient.prepare(command);
        } catch (RuntimeException noToken) {
            giveUp(callId, attempt, 0, providerId() + " could not hand the caller a Voice token: "
                    + noToken.getClass().getSimpleName());
            return;
        }
        Instant sentAt = clock.instant();
        TwilioApi.DialReply reply = api.createCall(command.number(), statusCallbackUrl(callId, attempt), timeLimit(command, api.config().maxCallDuration()));
        if (reply instanceof TwilioApi.DialReply.Created created) {
            placed(callId, attempt, created.callSid());
        } else if (reply instanceof TwilioApi.DialReply.Refused refused) {
            giveUp(callId, attempt, refused.sipCode(), refused.cause());
        } else {
            TwilioApi.DialReply.Unknown unknown = (TwilioApi.DialReply.Unknown) reply;
            if (giveUp(callId, attempt, 0, unknown.cause())) {
                releaseUnownedCalls(command, sentAt);
            }
        }
    }

    /**
     * The status callback URL of one attempt: our endpoint with {@code callId} and {@code attempt}.
     * Twilio signs the URL it calls, query included, so the attempt cannot be changed in transit.
     */
    URI statusCallbackUrl(String callId, int attempt) {
        return URI.create(api.config().statusCallbackUrl() + "?callId=" + TwilioApi.encode(callId) + "&attempt=" + attempt);
    }

    /**
     * The call's {@code TimeLimit}: the talk time the caller's reservation pays for (so Twilio itself
     * ends the call should our cut-off timer be late; billing never counts more than that anyway),
     * capped by {@code max-call-duration}, which alone applies to a call that is not charged.
     */
    static Duration timeLimit(CallCommand.DialNumber command, Duration maxCallDuration) {
        Duration talk = command.talkLimit();
        return talk == null || talk.compareTo(maxCallDuration) > 0 ? maxCallDuration
                : talk.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : talk;
    }

    private void placed(String callId, int attempt, String callSid) {
        try {
            legs.register(callId, attempt, providerId(), callSid);
        } catch (IllegalStateException attemptTaken) {
            // Another try of this command placed (or gave up) the attempt meanwhile: this second call must not ring on.
            LOG.log(Level.WARNING, () -> "dial " + callId + ":" + attempt + " via " + providerId()
                    + " placed call " + callSid + ", but the attempt is already another leg; hanging it up");
            hangUpQuietly(callSid, "duplicate dial");
        }
    }

    /**
     * Registers the failed-dial marker and, if it wins the attempt, publishes the attempt's failure.
     * Returns whether the attempt was failed (false: a status callback registered a real call first).
     */
    private boolean giveUp(String callId, int attempt, int sipCode, String cause) {
        try {
            legs.register(callId, attempt, providerId(), FailedDial.marker(sipCode, callId, attempt));
        } catch (IllegalStateException callbackCameFirst) {
            // Twilio's first status callback registered its call before us: the call exists and is
            // being reported, so this attempt has not failed after all.
            LOG.log(Level.WARNING, () -> "dial " + callId + ":" + attempt + " via " + providerId() + ": " + LogMasking.text(cause)
                    + ", but Twilio already reports the call; not failing the attempt");
            return false;
        }
        LOG.log(Level.WARNING, () -> "dial " + callId + ":" + attempt + " via " + providerId() + " failed: " + LogMasking.text(cause)
                + (sipCode == 0 ? "" : " (SIP " + sipCode + ")"));
        publishFailure(callId, attempt, sipCode, cause);
        return true;
    }

    private void publishFailure(String callId, int attempt, int sipCode, String cause) {
        callStateChanges.publish(new CallEvent.CallFailed(FailedDial.eventId(callId, attempt), callId, clock.instant(),
                attempt, DIAL_FAILURE_SEQUENCE, sipCode, cause));
    }

    /**
     * After an ambiguous dial: hangs up every live call to the number, from our number, created since
     * the dial (less {@link #CLOCK_SKEW}) that no attempt owns. A call some attempt owns is left alone;
     * so is an older one (another system sharing the account and caller id). Best effort: a failed
     * look-up is logged, and the status callback's orphan handling remains.
     */
    private void releaseUnownedCalls(CallCommand.DialNumber command, Instant sentAt) {
        try {
            for (TwilioApi.ListedCall call : api.liveCallsTo(command.number(), sentAt.minus(CLOCK_SKEW))) {
                if (legs.byCarrierLeg(providerId(), call.sid()).isPresent()) {
                    continue;
                }
                LOG.log(Level.WARNING, () -> "dial " + command.callId() + ":" + command.attempt() + " via " + providerId()
                        + " was ambiguous; hanging up unowned " + call.status() + " call " + call.sid() + " to "
                        + LogMasking.phone(command.number()));
                hangUpQuietly(call.sid(), "ambiguous dial");
            }
        } catch (TwilioApiException lookupFailed) {
            LOG.log(Level.WARNING, () -> "dial " + command.callId() + ":" + command.attempt() + " via " + providerId()
                    + " was ambiguous and the look-up failed (" + LogMasking.text(lookupFailed.getMessage())
                    + "); a call it created is hung up when its first status callback arrives");
        }
    }

    private void hangUpQuietly(String callSid, String why) {
        try {
            api.hangUp(callSid);
        } catch (TwilioApiException e) {
            LOG.log(Level.WARNING, () -> providerId() + " call " + callSid + " (" + why + ") not hung up: " + LogMasking.text(e.getMessage())
                    + "; its next status callback tries again");
        }
    }

    @Override
    public void bridge(CallCommand.BridgeToNumber command) {
        requireMine(command.providerId());
        CarrierLeg leg = legs.liveLeg(command.callId(), command.attempt())
                .orElseThrow(() -> new IllegalStateException("no " + providerId() + " call for attempt "
                        + command.attempt() + " of call " + command.callId() + " to bridge"));
        String callSid = leg.carrierLegId();
        if (api.hasChildCalls(callSid)) {
            // A repeated command: redirecting again would drop the app's leg and dial it anew.
            LOG.log(Level.INFO, () -> providerId() + " call " + callSid + " of " + command.callId()
                    + " was bridged before (it has a child call); not dialling the app again");
            return;
        }
        String identity = ClientIdentity.of(api.config().clientIdentityPrefix(), command.callerUserId());
        if (api.redirect(callSid, TwiML.dialClient(identity, command.callId(), APP_ANSWER_TIMEOUT)) == TwilioApi.Update.GONE) {
            LOG.log(Level.INFO, () -> providerId() + " call " + callSid + " of " + command.callId()
                    + " ended before it was bridged; its completed callback ends the call");
        }
    }

    @Override
    public void hangUp(CallCommand.HangUpNumber command) {
        requireMine(command.providerId());
        Optional<CarrierLeg> leg = legs.liveLeg(command.callId(), command.attempt());
        if (leg.isEmpty()) {
            // The attempt never got a call: nothing rings. (A call that shows up later for a failed
            // attempt is hung up by the status callback as an orphan.)
            LOG.log(Level.INFO, () -> "hangup " + command.callId() + ":" + command.attempt() + " via " + providerId()
                    + ": no Twilio call, nothing to hang up");
            return;
        }
        if (api.hangUp(leg.get().carrierLegId()) == TwilioApi.Update.GONE) {
            LOG.log(Level.INFO, () -> "hangup " + command.callId() + ":" + command.attempt() + ": " + providerId()
                    + " call " + leg.get().carrierLegId() + " had already ended");
        }
    }

    /**
     * The watchdog's question, asked by fetching the Call resource ({@code GET …/Calls/{Sid}.json}, see
     * {@link LegCheck} for what each answer does): over when completed (the normal end of an answered leg),
     * canceled, failed, busy or no-answer, at {@link #endedAt}.
     */
    @Override
    public void check(CallCommand.CheckNumber command) {
        requireMine(command.providerId());
        legCheck.check(command, callSid -> api.fetchCall(callSid)
                .map(call -> new LegCheck.Answer(call.status(), call.ended(), endedAt(call))));
    }

    /**
     * When an ended call ended: Twilio's {@code end_time}. Without one (the docs promise it only for a call
     * that completed), {@code start_time + duration} — {@code start_time} is when Twilio dialled, so if
     * {@code duration} counts only the talk this is early by the ring time, which errs in the caller's
     * favour — and without those null (the check then takes our clock's now).
     */
    Instant endedAt(TwilioApi.FetchedCall call) {
        if (call.endTime() != null) {
            return call.endTime();
        }
        if (call.startTime() != null && call.durationSeconds() != null) {
            return call.startTime().plusSeconds(call.durationSeconds());
        }
        return null; // LegCheck ends it at our clock's now: it has ended by now, at most one check late
    }

    private void requireMine(String providerId) {
        if (!providerId().equals(providerId)) {
            throw new IllegalArgumentException("command for carrier " + providerId + " sent to " + providerId());
        }
    }
}
