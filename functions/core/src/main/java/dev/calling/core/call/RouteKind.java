package dev.calling.core.call;

/** How a call reaches its callee. */
public enum RouteKind {
    /** App to app over the callee's data connections. */
    VOIP,
    /** To a phone number through a carrier. */
    PSTN
}
