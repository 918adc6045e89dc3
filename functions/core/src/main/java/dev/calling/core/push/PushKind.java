package dev.calling.core.push;

/** What a push to a callee's device says about a call. */
public enum PushKind {
    /** A call rings: wake the app (a VoIP push on iOS, a high-priority data message on Android). */
    RING,
    /** The call stopped ringing (cancelled, answered, declined, missed): the app stops its ringing UI. */
    CANCEL,
    /** The call was missed: a visible notification. */
    MISSED
}
