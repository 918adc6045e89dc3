package dev.calling.core.call;

import java.time.Instant;

/** One line of a call's history: the state it reached, when, and why. */
public record TimelineEntry(Instant at, CallState state, String detail) {}
