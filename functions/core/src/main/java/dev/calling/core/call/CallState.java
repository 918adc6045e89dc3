package dev.calling.core.call;

import java.util.EnumSet;
import java.util.Set;

/** Where a call is in its life. ENDED is terminal: nothing moves a call out of it. */
public enum CallState {
    REQUESTED,
    RINGING,
    CONNECTED,
    ENDED;

    public boolean isTerminal() {
        return this == ENDED;
    }

    public boolean canMoveTo(CallState next) {
        return allowedNext().contains(next);
    }

    private Set<CallState> allowedNext() {
        return switch (this) {
            case REQUESTED -> EnumSet.of(RINGING, ENDED);
            case RINGING -> EnumSet.of(CONNECTED, ENDED);
            case CONNECTED -> EnumSet.of(ENDED);
            case ENDED -> EnumSet.noneOf(CallState.class);
        };
    }
}
