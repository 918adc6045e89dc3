package dev.calling.carrier.rest;

import dev.calling.adapters.carrier.FailedDial;
import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.function.Function;

/**
 * What to do with a carrier call that reports for an attempt we had already given up on (its
 * dial timed out and was failed over, see {@link FailedDial}): nobody will ever bridge it, so it
 * should be hung up at the carrier.
 */
@FunctionalInterface
public interface OrphanCalls {

    void release(String providerId, String carrierCallId);

    /**
     * Hangs orphans up through the carrier's API, when {@code apis} has one for the carrier; else
     * logs that the call is left to end on its own. A refused hangup throws
     * ({@link CarrierApiException}), so the callback is answered 5xx and the carrier retries it.
     */
    static OrphanCalls hangUpVia(Function<String, Optional<RestCarrierApi>> apis) {
        return (providerId, carrierCallId) -> apis.apply(providerId).ifPresentOrElse(api -> api.hangUp(carrierCallId),
                () -> System.getLogger(OrphanCalls.class.getName()).log(Level.WARNING,
                        "orphan " + providerId + " call " + carrierCallId + " not hung up: no API configured"));
    }
}
