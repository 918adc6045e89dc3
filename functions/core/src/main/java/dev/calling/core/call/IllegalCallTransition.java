package dev.calling.core.call;

/** A move the call state machine does not allow, such as ENDED to RINGING. */
public final class IllegalCallTransition extends IllegalStateException {
    public IllegalCallTransition(String callId, CallState from, CallState to) {
        super("call " + callId + " cannot move from " + from + " to " + to);
    }
}
