package dev.calling.carrier.rest;

import dev.calling.adapters.carrier.FailedDial;
import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallEvent;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A REST carrier's status callback in, a call event on {@code call-state-changes} out
 * (docs/carrier-rest-api.md). Checks, in order: the carrier is known, the signature (made with any of
 * the carrier's current webhook secrets, read again once when it matches none) and its
 * timestamp are right (before the body is even parsed), the body follows the protocol, the status
 * is one we know. Then it ties the carrier's call to our call attempt — registering the leg when
 * the callback beats the dial's HTTP reply — and publishes.
 *
 * <p>Duplicates need no bookkeeping here: the same callback always yields the identical event
 * (same id, same switch sequence), which the FIFO queue's deduplication and the state machine's
 * sequence check both drop.
 */
public final class CarrierWebhook {

    private static final System.Logger LOG = System.getLogger(CarrierWebhook.class.getName());
    private static final Pattern PROVIDER_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private final WebhookSecrets secrets;
    private final DynamoDbCarrierLegs legs;
    private final SqsCallStateChanges callStateChanges;
    private final OrphanCalls orphans;
    private final Clock clock;

    public CarrierWebhook(WebhookSecrets secrets, DynamoDbCarrierLegs legs, SqsCallStateChanges callStateChanges,
            OrphanCalls orphans, Clock clock) {
        this.secrets = secrets;
        this.legs = legs;
        this.callStateChanges = callStateChanges;
        this.orphans = orphans;
        this.clock = clock;
    }

    /**
     * @param headers the request headers, any case
     * @param body the raw body bytes exactly as received (the signature covers them)
     */
    public WebhookResult handle(String providerId, Map<String, String> headers, byte[] body) {
        Optional<CarrierSecret<List<String>>> secret = providerId != null && PROVIDER_ID.matcher(providerId).matches()
                ? secrets.secretFor(providerId)
                : Optional.empty();
        if (secret.isEmpty()) {
            return WebhookResult.Rejected.unknownCarrier("no carrier '" + providerId + "' is configured for webhooks");
        }
        Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            byName.putAll(headers);
        }
        String timestamp = byName.get(WebhookSignature.TIMESTAMP_HEADER);
        String signature = byName.get(WebhookSignature.SIGNATURE_HEADER);
        byte[] signed = body == null ? new byte[0] : body;
        Optional<String> forged = WebhookSignature.check(secret.get().get(), timestamp, signature, signed, clock.instant());
        if (forged.equals(Optional.of(WebhookSignature.MISMATCH)) && secret.get().refused()) {
            // Perhaps signed with a secret added since we read them (a rotation): read them again, check once more.
            forged = WebhookSignature.check(secret.get().get(), timestamp, signature, signed, clock.instant());
        }
        if (forged.isPresent()) {
            return WebhookResult.Rejected.unauthenticated(forged.get());
        }

        StatusCallback callback;
        CallEvent event;
        try {
            callback = StatusCallback.parse(body);
            event = callback.toEvent(providerId);
        } catch (StatusCallback.Malformed e) {
            return WebhookResult.Rejected.malformed(e.getMessage());
        } catch (StatusCallback.UnknownStatus e) {
            return WebhookResult.Rejected.unknownStatus(e.getMessage());
        }

        Optional<CarrierLeg> leg = legs.byCarrierLeg(providerId, callback.carrierCallId());
        if (leg.isPresent()) {
            if (!leg.get().callId().equals(callback.reference().callId())
                    || leg.get().attempt() != callback.reference().attempt()) {
                return WebhookResult.Rejected.malformed("call " + callback.carrierCallId() + " is attempt "
                        + leg.get().callId() + ":" + leg.get().attempt() + ", not " + callback.reference());
            }
        } else {
            try {
                legs.register(callback.reference().callId(), callback.reference().attempt(), providerId,
                        callback.carrierCallId());
            } catch (IllegalStateException attemptTaken) {
                return orphan(providerId, callback);
            }
        }
        callStateChanges.publish(event);
        return new WebhookResult.Accepted("published " + event.getClass().getSimpleName() + " #" + callback.sequence()
                + " of " + callback.reference());
    }

    /** The attempt is already another leg (its dial was given up, see {@link FailedDial}): hang this call up. */
    private WebhookResult orphan(String providerId, StatusCallback callback) {
        String note = providerId + " call " + callback.carrierCallId() + " reports '" + callback.status() + "' for "
                + callback.reference() + ", an attempt given up on";
        LOG.log(Level.WARNING, note);
        boolean live;
        try {
            live = !callback.carrierStatus().isFinal();
        } catch (StatusCallback.UnknownStatus impossible) {
            live = true; // toEvent already refused unknown statuses
        }
        if (live) {
            orphans.release(providerId, callback.carrierCallId());
            return new WebhookResult.Accepted(note + "; hung it up");
        }
        return new WebhookResult.Accepted(note + "; it has ended");
    }
}
