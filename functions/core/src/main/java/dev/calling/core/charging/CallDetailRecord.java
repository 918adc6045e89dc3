package dev.calling.core.charging;

import dev.calling.core.call.Attempt;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import dev.calling.core.money.Money;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What finance keeps of every ended call: who called whom, how it was routed and through which
 * carrier attempts, its times (UTC), the seconds billed, what the caller paid (retail), what the
 * carrier charges us (cost) and the difference (margin). Written once per call when it ends.
 *
 * @param callee the called user id, or the dialled number
 * @param dialledNumber the E.164 number a PSTN call went to, else null
 * @param route null when the call was refused before routing
 * @param providerId the carrier (or VoIP switch) that carried the answered attempt, else the last tried, else null
 * @param answeredAt null when never answered
 * @param billableSeconds talk time rounded up to the retail billing increment; 0 when not answered or VoIP
 */
public record CallDetailRecord(String callId, String callerUserId, String callee, String dialledNumber, RouteKind route,
        String providerId, List<Attempt> attempts, Instant requestedAt, Instant answeredAt, Instant endedAt,
        EndReason endReason, long talkSeconds, long billableSeconds, Money retail, Money carrierCost) {

    public CallDetailRecord {
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(callerUserId, "callerUserId");
        Objects.requireNonNull(callee, "callee");
        Objects.requireNonNull(requestedAt, "requestedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(endReason, "endReason");
        Objects.requireNonNull(retail, "retail");
        Objects.requireNonNull(carrierCost, "carrierCost");
        attempts = List.copyOf(attempts);
    }

    /** Retail minus carrier cost (negative when a call lost money). */
    public Money margin() {
        return retail.minus(carrierCost);
    }
}
