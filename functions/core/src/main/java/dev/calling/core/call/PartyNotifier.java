package dev.calling.core.call;

/**
 * Port: tells the apps of a call's parties that the call changed (the callee's app learns of an
 * incoming call this way). Best effort and repeatable: it is called after the change is stored,
 * again if the event is redelivered, and apps keep the highest {@link Call#version()} they saw.
 * It must not throw: an app that misses a push catches up by reading the call.
 */
public interface PartyNotifier {

    /** For tests and set-ups without apps. */
    PartyNotifier NONE = call -> {};

    void callChanged(Call call);
}
