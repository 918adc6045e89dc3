package dev.calling.core.routing;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A carrier's cost deck scheduled by an operator: the validated object that prices the carrier from
 * {@code effectiveFrom} until the next scheduled deck's {@code effectiveFrom}.
 *
 * @param rates the deck's number of rate lines, as validated
 * @param operator the IAM principal that scheduled it
 * @param reason the operator's note, if any
 */
public record ScheduledRateDeck(String carrierId, Instant effectiveFrom, RateDeckObject object, int rates,
        Currency currency, String operator, Optional<String> reason, Instant createdAt) {

    /**
     * The stored form of an instant: UTC to the millisecond with a fixed number of digits, so that strings sort as
     * the instants do (the table's sort key).
     */
    public static final DateTimeFormatter INSTANT_FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    public ScheduledRateDeck {
        Objects.requireNonNull(carrierId, "carrierId");
        Objects.requireNonNull(effectiveFrom, "effectiveFrom");
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(operator, "operator");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(createdAt, "createdAt");
        effectiveFrom = effectiveFrom.truncatedTo(ChronoUnit.MILLIS);
    }

    /** {@code instant} as stored and sorted: {@code 2026-12-05T10:00:00.000Z}. */
    public static String format(Instant instant) {
        return INSTANT_FORMAT.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }

    /**
     * The decks of a schedule ({@code newestFirst}, by effectiveFrom) that may price calls at {@code now}: the one
     * in effect first, then the earlier ones, each the fallback of the one before it when it cannot be loaded.
     */
    public static List<ScheduledRateDeck> inEffectAt(List<ScheduledRateDeck> newestFirst, Instant now) {
        List<ScheduledRateDeck> candidates = new ArrayList<>();
        for (ScheduledRateDeck deck : newestFirst) {
            if (!deck.effectiveFrom().isAfter(now)) {
                candidates.add(deck);
            }
        }
        candidates.sort((a, b) -> b.effectiveFrom().compareTo(a.effectiveFrom()));
        return candidates;
    }
}
