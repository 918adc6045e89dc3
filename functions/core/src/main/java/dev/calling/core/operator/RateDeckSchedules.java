package dev.calling.core.operator;

import dev.calling.core.routing.ScheduledRateDeck;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Port: the carriers' scheduled cost decks (the rate-decks table), one per carrier and effectiveFrom. */
public interface RateDeckSchedules {

    /** The carrier's scheduled decks, newest effectiveFrom first, at most {@code limit}. */
    List<ScheduledRateDeck> schedule(String carrierId, int limit);

    /** The carrier's deck scheduled from exactly {@code effectiveFrom}, read strongly consistently. */
    Optional<ScheduledRateDeck> at(String carrierId, Instant effectiveFrom);

    /** Stores {@code deck} if the carrier has none from its effectiveFrom; false if it has (nothing written). */
    boolean add(ScheduledRateDeck deck);

    /** Stores {@code next} in place of {@code current} if that is still what is stored; false if not (nothing written). */
    boolean replace(ScheduledRateDeck current, ScheduledRateDeck next);
}
