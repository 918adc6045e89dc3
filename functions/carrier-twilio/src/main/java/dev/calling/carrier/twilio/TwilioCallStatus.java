package dev.calling.carrier.twilio;

import java.util.Arrays;
import java.util.Optional;

/**
 * The {@code CallStatus} values of Twilio's status callbacks: "queued, initiated, ringing,
 * in-progress, completed, busy, failed or no-answer" (Call resource, "Parameters sent to your
 * StatusCallback URL") and {@code canceled}, which the {@code completed} event carries for a call
 * "hung up while it was queued or ringing" (Call resource, "Call Status Values").
 */
public enum TwilioCallStatus {
    QUEUED("queued", false),
    INITIATED("initiated", false),
    RINGING("ringing", false),
    IN_PROGRESS("in-progress", false),
    COMPLETED("completed", true),
    BUSY("busy", true),
    FAILED("failed", true),
    NO_ANSWER("no-answer", true),
    CANCELED("canceled", true);

    private final String wire;
    private final boolean fin;

    TwilioCallStatus(String wire, boolean fin) {
        this.wire = wire;
        this.fin = fin;
    }

    public String wire() {
        return wire;
    }

    /** Whether the call is over once it reports this status. */
    public boolean isFinal() {
        return fin;
    }

    public static Optional<TwilioCallStatus> fromWire(String value) {
        return Arrays.stream(values()).filter(s -> s.wire.equals(value)).findFirst();
    }
}
