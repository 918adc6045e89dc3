package dev.calling.core.call;

import dev.calling.core.routing.Route;
import java.time.Instant;

/**
 * Decides whether a PSTN call may go ahead and on what terms (price, money reserved, talk time),
 * before anything rings. Idempotent per call: asking again for the same call returns the same
 * terms, so a redelivered request reserves nothing twice.
 */
public interface CallAuthoriser {

    /** The outcome: terms to place the call on, or a refusal that ends it. */
    sealed interface Authorisation {
        record Granted(Charging charging) implements Authorisation {}

        record Refused(Route.Refused refusal) implements Authorisation {}
    }

    Authorisation authorise(CallEvent.CallRequested request, Route.Pstn route, Instant now);
}
