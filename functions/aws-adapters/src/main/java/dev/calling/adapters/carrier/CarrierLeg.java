package dev.calling.adapters.carrier;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * One PSTN leg: attempt {@code attempt} of call {@code callId}, placed through carrier
 * {@code providerId}, which calls it {@code carrierLegId} (Chime's transaction id, a REST
 * carrier's call id).
 *
 * <p>A carrier numbers its reports of a leg in its own way, with numbers that need not all
 * produce a call event (Chime SDK invokes the SIP media application for every action result).
 * The call state manager wants each attempt's events numbered 1, 2, 3 ... without gaps, so the
 * leg keeps the last carrier number it has turned into events ({@code lastCarrierSequence}) and
 * how many events it issued ({@code reportsIssued}).
 */
public record CarrierLeg(String callId, int attempt, String providerId, String carrierLegId, long lastCarrierSequence,
        long reportsIssued) {

    public CarrierLeg {
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(providerId, "providerId");
        Objects.requireNonNull(carrierLegId, "carrierLegId");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1: " + attempt);
        }
    }

    /** Whether the carrier's report number {@code carrierSequence} was handled already. */
    public boolean hasSeen(long carrierSequence) {
        return carrierSequence <= lastCarrierSequence;
    }

    /**
     * The switch sequence for the call event that carrier report {@code carrierSequence} produces,
     * or empty when the report was handled already. The same report always gets the same number
     * until the leg is {@linkplain DynamoDbCarrierLegs#advance advanced}, so a handler that died
     * between publishing and advancing publishes the very same event again.
     */
    public OptionalLong switchSequenceFor(long carrierSequence) {
        return hasSeen(carrierSequence) ? OptionalLong.empty() : OptionalLong.of(reportsIssued + 1);
    }
}
