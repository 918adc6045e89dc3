package dev.calling.core.call;

/**
 * Port: what happens to an ended call's money and record: the caller's reservation is settled
 * (charged, the rest released) and the call detail record kept. Idempotent per call, as every
 * command is.
 */
public interface BillingPort {

    void charge(CallCommand.ChargeCall command);

    void revise(CallCommand.ReviseCharge command);
}
