package dev.calling.core.call;

/**
 * Port: pushes to the callee's registered devices. Handing a push over must be quick and must not depend
 * on the push service being up (an adapter queues it): a push never holds a call's state change.
 */
public interface PushPort {

    /** For wirings without push: no device is ever named, so a push command is a wiring mistake. */
    PushPort NONE = push -> {
        throw new IllegalStateException("no push port is wired, yet call " + push.callId() + " pushes to devices");
    };

    void push(CallCommand.PushCallee push);
}
