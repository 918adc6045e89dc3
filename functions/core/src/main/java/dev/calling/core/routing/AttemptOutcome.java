package dev.calling.core.routing;

/**
 * How one attempt through a carrier ended. Only a carrier's own failure moves the call to the
 * next carrier; what the callee did (busy, declined, unavailable, no answer) is the call's answer
 * and is never retried elsewhere.
 */
public enum AttemptOutcome {
    ANSWERED,
    /** SIP 486 / 600. */
    CALLEE_BUSY,
    /** SIP 603. */
    CALLEE_DECLINED,
    /** SIP 480, 404: the number exists but cannot be reached now, or does not exist. */
    CALLEE_UNAVAILABLE,
    /** Rang until the ring timeout. */
    NO_ANSWER,
    /** The caller gave up (or the call ended for another reason) before the callee answered. */
    ABANDONED,
    /** SIP 408 / 5xx, a timeout or transport error: the carrier failed, try the next one. */
    CARRIER_FAILURE;

    public boolean allowsFailover() {
        return this == CARRIER_FAILURE;
    }

    /** Classifies a final SIP response code. */
    public static AttemptOutcome fromSipCode(int code) {
        if (code >= 200 && code < 300) {
            return ANSWERED;
        }
        return switch (code) {
            case 486, 600 -> CALLEE_BUSY;
            case 603 -> CALLEE_DECLINED;
            case 480, 404, 484, 604 -> CALLEE_UNAVAILABLE;
            case 487 -> NO_ANSWER;
            default -> code == 408 || code >= 500 ? CARRIER_FAILURE : CALLEE_UNAVAILABLE;
        };
    }
}
