package dev.calling.adapters.carrier;

import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.call.CallCommand;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The watchdog's question to a carrier with a call-status request (REST, Twilio): is the answered leg of
 * the attempt still up? The adapter says how to ask ({@link Ask}); the rest is the same for every carrier:
 * <ul>
 *   <li>no leg, or a failed-dial marker: nothing to ask;</li>
 *   <li>the carrier failing (5xx, timeout, unreadable reply): logged, not thrown — the next check asks again,
 *       and a thrown command would only be retried in the call's message group;</li>
 *   <li>a call the carrier does not know: no proof that it ended (the call's cut-off ends it);</li>
 *   <li>ended: the callee's hang-up is published unsequenced at the carrier's end time
 *       ({@link CallCommand.CheckNumber#legEnded}, the same event each time it is asked), or at our clock's
 *       now when the carrier gives no end time (at most one check late).</li>
 * </ul>
 * Only our own queue failing throws, so that the command is redelivered.
 */
public final class LegCheck {

    /** What the carrier says of its call. */
    public record Answer(String status, boolean ended, Instant endedAt) {}

    /** Asks the carrier about its call {@code carrierCallId}; empty when it does not know it. */
    @FunctionalInterface
    public interface Ask {
        Optional<Answer> about(String carrierCallId);
    }

    private static final System.Logger LOG = System.getLogger(LegCheck.class.getName());

    private final String providerId;
    private final DynamoDbCarrierLegs legs;
    private final SqsCallStateChanges callStateChanges;
    private final Clock clock;

    public LegCheck(String providerId, DynamoDbCarrierLegs legs, SqsCallStateChanges callStateChanges, Clock clock) {
        this.providerId = providerId;
        this.legs = legs;
        this.callStateChanges = callStateChanges;
        this.clock = clock;
    }

    /** Asks (see the class comment); {@code ask} may throw for the carrier's failures. */
    public void check(CallCommand.CheckNumber command, Ask ask) {
        String attempt = command.callId() + ":" + command.attempt();
        Optional<CarrierLeg> leg = legs.liveLeg(command.callId(), command.attempt());
        if (leg.isEmpty()) {
            LOG.log(Level.DEBUG, () -> "check " + attempt + " via " + providerId + ": no carrier call, nothing to ask");
            return;
        }
        String carrierCallId = leg.get().carrierLegId();
        Optional<Answer> answer;
        try {
            answer = ask.about(carrierCallId);
        } catch (RuntimeException carrierFailed) {
            LOG.log(Level.WARNING, () -> "check " + attempt + " via " + providerId + ": " + carrierFailed.getMessage()
                    + "; the next check asks again");
            return;
        }
        if (answer.isEmpty()) {
            LOG.log(Level.WARNING, () -> "check " + attempt + ": " + providerId + " does not know call " + carrierCallId);
            return;
        }
        if (!answer.get().ended()) {
            return;
        }
        Instant at = answer.get().endedAt() != null ? answer.get().endedAt() : clock.instant();
        LOG.log(Level.WARNING, () -> "check " + attempt + ": " + providerId + " call " + carrierCallId + " is "
                + answer.get().status() + (answer.get().endedAt() != null ? " since " + at : " (no end time given; "
                + "ended at our clock's " + at + ")") + " but its hang-up was never reported; reporting it now");
        callStateChanges.publish(command.legEnded(at));
    }
}
