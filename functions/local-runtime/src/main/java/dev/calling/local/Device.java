package dev.calling.local;

import java.util.Objects;

/** A simulated app connection on the simulated switch: one user's session, one connection. */
public final class Device {

    private final SimulatedSwitch owner;
    private final String userId;
    private final String sessionId;
    private final String connectionId;
    private volatile RingResponse onRing = new RingResponse.Ignore();
    private volatile String activeCall;

    Device(SimulatedSwitch owner, String userId, String sessionId, String connectionId) {
        this.owner = owner;
        this.userId = userId;
        this.sessionId = sessionId;
        this.connectionId = connectionId;
    }

    public String userId() {
        return userId;
    }

    public String sessionId() {
        return sessionId;
    }

    public String connectionId() {
        return connectionId;
    }

    /** Sets how this device reacts to the next rings. */
    public Device whenRung(RingResponse response) {
        this.onRing = Objects.requireNonNull(response);
        return this;
    }

    RingResponse onRing() {
        return onRing;
    }

    /** The app places a call to another user; returns the new call's id. */
    public String call(String calleeUserId, CallerScript script) {
        return owner.placeCall(this, calleeUserId, null, script);
    }

    /** The app places a call to a phone number (E.164); returns the new call's id. */
    public String dial(String number, CallerScript script) {
        return owner.placeCall(this, null, number, script);
    }

    /** The app's connection goes away (the switch reports it terminated). */
    public void disconnect() {
        owner.disconnect(this);
    }

    String activeCall() {
        return activeCall;
    }

    void activeCall(String callId) {
        this.activeCall = callId;
    }

    @Override
    public String toString() {
        return userId + "/" + connectionId;
    }
}
