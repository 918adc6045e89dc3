package dev.calling.core.call;

/**
 * Port: the PSTN carriers. An adapter sends each command to the carrier it names
 * ({@code providerId}). Every operation must be idempotent: a command may be repeated after a
 * redelivery.
 */
public interface CarrierPort {

    void dial(CallCommand.DialNumber command);

    void bridge(CallCommand.BridgeToNumber command);

    void hangUp(CallCommand.HangUpNumber command);

    /**
     * Asks the carrier whether the leg is still up, and reports its end if it is not (see
     * {@link CallCommand.CheckNumber}). A carrier without a way to ask does nothing, and says so in its docs.
     */
    void check(CallCommand.CheckNumber command);
}
