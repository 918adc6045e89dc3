package dev.calling.core.app;

/** Why an app user's (or an operator's) request was refused; each maps to one problem type of the APIs. */
public enum Refusal {
    /** A field is missing, malformed or out of range. */
    INVALID_REQUEST,
    /** The number to call is not a valid E.164 number. */
    INVALID_PHONE_NUMBER,
    /** No such call, or not one the user is party to (the two are not told apart). */
    CALL_NOT_FOUND,
    /** The user is party to the call but this action is the other party's (a caller cannot answer). */
    NOT_ALLOWED,
    /** The call is not in a state where this action means anything (answering an ended call). */
    WRONG_STATE,
    /** The caller has no live connection to place the call from (or not the one named). */
    NOT_CONNECTED,
    /** The user is party to the call but has no media to join on it (not yet, or no longer). */
    NO_MEDIA,
    /** The Idempotency-Key was used before for a different request. */
    IDEMPOTENCY_KEY_REUSED,
    /** The user has as many devices registered for push as one may; unregister one first. */
    TOO_MANY_DEVICES,
    /** The number is an emergency number (112, 911, ...): this service does not connect emergency calls. */
    EMERGENCY_CALLS_NOT_SUPPORTED,
    /** The user placed as many calls in the current minute as one may; try again when it ends (Retry-After). */
    TOO_MANY_CALL_ATTEMPTS,
    /** The user blocked as many users as one may; unblock one first. */
    TOO_MANY_BLOCKED,
    /** An operator's id for a money movement was used before for a different one (other amount or reason). */
    OPERATION_ID_REUSED,
    /** An operator's debit would take more than the account has available (its balance less what calls hold). */
    INSUFFICIENT_AVAILABLE_BALANCE,
    /** The operator named a carrier that is not configured (calling.carrier-ids). */
    CARRIER_NOT_FOUND,
    /** An operator's rate deck cannot be scheduled: the object is missing or invalid, its currency or date is wrong. */
    RATE_DECK_REFUSED,
    /** Another deck is already in effect from that instant: a deck in effect is never replaced. */
    RATE_DECK_IN_EFFECT
}
