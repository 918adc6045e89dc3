package dev.calling.core.operator;

import dev.calling.core.routing.RateDeckObject;
import java.util.Currency;

/** Port: the rate-decks bucket, where operators upload carriers' decks before they schedule them. */
public interface RateDeckObjects {

    /**
     * Reads the object at {@code key} now and validates it whole as a cost deck.
     *
     * @throws Unusable when there is no such object or it is not a valid deck, saying why (with the line)
     */
    Validated validate(String key);

    /** A deck that was read and validated: which object version, its number of rate lines and its currency. */
    record Validated(RateDeckObject object, int rates, Currency currency) {}

    /** The object is missing or is not a deck that could price calls. */
    final class Unusable extends RuntimeException {
        public Unusable(String why) {
            super(why);
        }
    }
}
