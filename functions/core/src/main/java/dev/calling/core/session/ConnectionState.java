package dev.calling.core.session;

/** OPEN until the switch reports it terminated; CLOSED is kept for a while as a tombstone against late "opened" reports. */
public enum ConnectionState {
    OPEN,
    CLOSED
}
