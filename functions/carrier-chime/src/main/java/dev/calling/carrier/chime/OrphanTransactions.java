package dev.calling.carrier.chime;

import dev.calling.adapters.carrier.CarrierLeg;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.carrier.FailedDial;
import java.lang.System.Logger.Level;
import java.util.Optional;

/**
 * Chime transactions placed for an attempt that is already another leg: the attempt's dial was given
 * up ({@link FailedDial} marker, after Chime gave no definite answer) or it is a real transaction
 * placed before (a repeated dial). Nobody will ever bridge or report such a transaction, and its phone
 * leg rings and may be answered and billed, so it is hung up: by the SIP media application on each of
 * its invocations, and by a {@code HangUpNumber} of its attempt, which finds it here.
 *
 * <p>Kept in {@code carrier-legs} under the pseudo call {@code chime-orphan:<callId>}: the
 * transaction's leg item then names it as an orphan (so the SIP media application knows its later
 * events), and {@code call#chime-orphan:<callId>#<attempt>} gives the attempt's orphan to a hang-up.
 * The first orphan of an attempt takes that slot; a further one (rarer still) is hung up by the SIP
 * media application alone.
 */
final class OrphanTransactions {

    private static final System.Logger LOG = System.getLogger(OrphanTransactions.class.getName());
    static final String CALL_PREFIX = "chime-orphan:";

    private final DynamoDbCarrierLegs legs;
    private final String providerId;

    OrphanTransactions(DynamoDbCarrierLegs legs, String providerId) {
        this.legs = legs;
        this.providerId = providerId;
    }

    /** Remembers {@code transactionId} as an orphan of attempt {@code attempt} of {@code callId}; repeatable. */
    void record(String callId, int attempt, String transactionId) {
        try {
            legs.register(CALL_PREFIX + callId, attempt, providerId, transactionId);
        } catch (IllegalStateException another) {
            LOG.log(Level.WARNING, "Chime: call " + callId + " attempt " + attempt + " has another orphan already; "
                    + "transaction " + transactionId + " is hung up by the SIP media application only");
        }
    }

    /** The orphan transaction recorded for the attempt, if any. */
    Optional<String> of(String callId, int attempt) {
        return legs.byCall(CALL_PREFIX + callId, attempt).map(CarrierLeg::carrierLegId);
    }

    /** Whether {@code leg} (as found by its transaction id) is an orphan rather than a call's leg. */
    static boolean isOrphan(CarrierLeg leg) {
        return leg.callId().startsWith(CALL_PREFIX);
    }
}
