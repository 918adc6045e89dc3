package dev.calling.resilience;

import dev.calling.core.call.EndReason;

/**
 * What one simulated call does, and how it should end when nothing goes wrong. Under faults a
 * call may legitimately end otherwise (every carrier failing ends a PSTN call FAILED; a ring
 * delayed past the ring timeout ends it MISSED); the suites report such calls, they are not errors.
 */
public enum Scenario {
    VOIP_CALLER_HANGS_UP(false, EndReason.COMPLETED),
    VOIP_CALLEE_HANGS_UP(false, EndReason.COMPLETED),
    VOIP_DECLINED(false, EndReason.REJECTED),
    VOIP_MISSED(false, EndReason.MISSED),
    VOIP_CANCELLED(false, EndReason.CANCELLED),
    VOIP_BUSY(false, EndReason.BUSY),
    VOIP_OFFLINE(false, EndReason.UNREACHABLE),
    /** The callee answers, then its app vanishes (connection closed, no hang-up): the watchdog ends the call. */
    VOIP_CALLEE_VANISHES(false, EndReason.FAILED),
    /**
     * The callee has no live connection but a registered device (an iPhone or an Android phone): the ring push
     * wakes it, its app connects and answers on the new connection; the caller hangs up after the talk.
     */
    VOIP_PUSHED_ANSWERED(false, true, EndReason.COMPLETED),
    /** The pushed callee's phone rings but nobody answers: missed at the ring timeout, with a missed-call notice. */
    VOIP_PUSHED_MISSED(false, true, EndReason.MISSED),
    /** The caller gives up while the pushed callee's phone rings: a cancel push. */
    VOIP_PUSHED_CANCELLED(false, true, EndReason.CANCELLED),
    /**
     * SNS refuses every Publish to the callee's tokens for longer than the pushes are retried: the phone is
     * never woken, the call is missed at its ring timeout all the same, the pushes end in the dead-letter queue.
     */
    VOIP_PUSH_SNS_DOWN(false, true, EndReason.MISSED),
    PSTN_CALLER_HANGS_UP(true, EndReason.COMPLETED),
    PSTN_CALLEE_HANGS_UP(true, EndReason.COMPLETED),
    /** The phone talks for longer than the ring timeout, then hangs up. */
    PSTN_TALKS_PAST_RING_TIMEOUT(true, EndReason.COMPLETED),
    PSTN_BUSY(true, EndReason.BUSY),
    PSTN_DECLINED(true, EndReason.REJECTED),
    PSTN_MISSED(true, EndReason.MISSED),
    PSTN_CUT_OFF(true, EndReason.CUT_OFF),
    PSTN_NO_FUNDS(true, EndReason.INSUFFICIENT_FUNDS),
    PSTN_INVALID_NUMBER(true, EndReason.FAILED);

    final boolean pstn;
    /** The callee is reached by push alone (no live connection, a registered device). */
    final boolean pushed;
    final EndReason expected;

    Scenario(boolean pstn, EndReason expected) {
        this(pstn, false, expected);
    }

    Scenario(boolean pstn, boolean pushed, EndReason expected) {
        this.pstn = pstn;
        this.pushed = pushed;
        this.expected = expected;
    }
}
