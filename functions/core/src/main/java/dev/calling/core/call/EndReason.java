package dev.calling.core.call;

/** Why a call ended; set exactly once, when the call enters {@link CallState#ENDED}. */
public enum EndReason {
    /** Answered, then either side hung up. */
    COMPLETED,
    /** The callee declined while it rang. */
    REJECTED,
    /** Nobody answered before the ring timeout. */
    MISSED,
    /** The callee's switch reported busy. */
    BUSY,
    /** The caller hung up while it rang. */
    CANCELLED,
    /** The switch or a leg failed. */
    FAILED,
    /** The callee had no live connection to ring. */
    UNREACHABLE,
    /** The caller's balance could not pay for the first billing block of a PSTN call: refused before ringing. */
    INSUFFICIENT_FUNDS,
    /** Answered, then torn down when the money reserved for it was used up, or at the longest call allowed. */
    CUT_OFF,
    /** A PSTN call refused before ringing: the number is a high-risk destination the caller is not allowed. */
    HIGH_RISK_DESTINATION,
    /** A PSTN call refused before ringing: the caller had as many PSTN calls in progress as allowed at once. */
    TOO_MANY_CALLS,
    /** A PSTN call refused before ringing: the caller's PSTN spending today reached the plan's daily cap. */
    SPEND_LIMIT_REACHED
}
