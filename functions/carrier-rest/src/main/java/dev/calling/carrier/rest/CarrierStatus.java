package dev.calling.carrier.rest;

import java.util.Arrays;
import java.util.Optional;

/** The {@code status} values of a status callback, as the protocol spells them. */
public enum CarrierStatus {
    RINGING("ringing", false),
    ANSWERED("answered", false),
    COMPLETED("completed", true),
    BUSY("busy", true),
    NO_ANSWER("no-answer", true),
    DECLINED("declined", true),
    FAILED("failed", true),
    CANCELED("canceled", true);

    private final String wire;
    private final boolean fin;

    CarrierStatus(String wire, boolean fin) {
        this.wire = wire;
        this.fin = fin;
    }

    public String wire() {
        return wire;
    }

    /** Whether the carrier's call is over once it reports this status. */
    public boolean isFinal() {
        return fin;
    }

    public static Optional<CarrierStatus> fromWire(String value) {
        return Arrays.stream(values()).filter(s -> s.wire.equals(value)).findFirst();
    }
}
