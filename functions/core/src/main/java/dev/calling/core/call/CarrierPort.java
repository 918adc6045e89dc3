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
}
