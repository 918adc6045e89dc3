package dev.calling.core.routing;

import java.time.Instant;
import java.util.Optional;

/**
 * Port: the cost deck an operator scheduled for a carrier that is in effect at an instant, in place of the deck
 * packaged with the function. Empty when none is (or none that loads): the packaged deck prices the carrier. Never
 * throws and never waits on a fault: routing a call must not depend on it.
 */
public interface RateDeckSchedule {

    Optional<RateDeck> inEffect(String carrierId, Instant now);

    /** No scheduled decks: every carrier keeps its packaged deck. */
    RateDeckSchedule NONE = (carrierId, now) -> Optional.empty();
}
