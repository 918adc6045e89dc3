package dev.calling.core.call;

/** A side of a call. */
public enum Party {
    CALLER,
    CALLEE
}
