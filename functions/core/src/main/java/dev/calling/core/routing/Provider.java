package dev.calling.core.routing;

import java.util.Objects;

/**
 * A carrier in the catalogue.
 *
 * @param costDeck what the carrier charges us, by destination prefix
 * @param maxConcurrentCalls the capacity we bought; beyond it the carrier rejects calls
 * @param quality 0..100, higher is better (voice quality, post-dial delay); breaks cost ties
 */
public record Provider(String id, ProviderKind kind, RateDeck costDeck, int maxConcurrentCalls, boolean enabled,
        int quality) {

    public Provider {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(costDeck, "costDeck");
        if (maxConcurrentCalls < 0) {
            throw new IllegalArgumentException("maxConcurrentCalls must not be negative: " + id);
        }
        if (quality < 0 || quality > 100) {
            throw new IllegalArgumentException("quality must be 0..100: " + id);
        }
    }

    /** The same carrier priced by another cost deck (one an operator scheduled in place of the packaged one). */
    public Provider withCostDeck(RateDeck deck) {
        return new Provider(id, kind, deck, maxConcurrentCalls, enabled, quality);
    }
}
