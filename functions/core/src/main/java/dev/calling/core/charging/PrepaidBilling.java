package dev.calling.core.charging;

import dev.calling.core.call.BillingPort;
import dev.calling.core.call.CallCommand;
import java.util.Objects;

/**
 * Billing of ended calls: a prepaid call's reservation is settled for its retail amount (the rest
 * released), then its detail record is kept. A call that ended uncharged still releases anything
 * reserved under its id: the request may have been authorised on a first try whose record was never
 * written, then routed otherwise (VoIP, refused) when it was delivered again. Both are idempotent per call, so a repeated command
 * after a redelivery charges nothing twice; settling first means a record in the export always
 * has its money on the ledger.
 */
public final class PrepaidBilling implements BillingPort {

    private final Accounts accounts;
    private final CallDetailRecords records;

    public PrepaidBilling(Accounts accounts, CallDetailRecords records) {
        this.accounts = Objects.requireNonNull(accounts);
        this.records = Objects.requireNonNull(records);
    }

    @Override
    public void charge(CallCommand.ChargeCall command) {
        CallDetailRecord cdr = command.record();
        if (command.prepaid()) {
            accounts.settle(cdr.callerUserId(), cdr.callId(), cdr.retail(), cdr.endedAt());
        } else {
            accounts.release(cdr.callerUserId(), cdr.callId(), cdr.endedAt());
        }
        records.record(cdr);
    }

    /**
     * Refund first (it fails while the call's money is still reserved, so the command is tried again after
     * the settlement), then the revised record.
     */
    @Override
    public void revise(CallCommand.ReviseCharge command) {
        CallDetailRecord revised = command.revised();
        if (command.prepaid()) {
            accounts.refund(revised.callerUserId(), revised.callId(), revised.retail(), revised.endedAt());
        }
        records.revise(revised);
    }
}
